/*
 * merge.h - combine attention computed over disjoint sets of keys.
 *
 * A shard i of the keys gives, per query row and head, the normalised
 * output O_i and the log-sum-exp LSE_i of its scores (selfattn
 * --key-range ... -o Y_i --lse LSE_i).  Over all the keys
 *	LSE = log sum_i exp(LSE_i),  O = sum_i exp(LSE_i - LSE)·O_i
 * exactly, in any order of the shards (up to rounding: they are folded
 * in the order given).  A shard whose row saw no key (LSE_i = -inf)
 * contributes nothing.
 */
#ifndef MERGE_H
#define MERGE_H

#include "err.h"
#include "out.h"
#include "par.h"

/*
 * Read the npairs pairs (spec[2i], spec[2i+1]) = (Y_i, LSE_i), files or
 * "-" (read with input_load), and write the combined output to y and,
 * if not NULL, the combined log-sum-exp to lse; both must be open
 * (out_open).  Y_i and LSE_i pair up as run_plan writes them: either
 * Y_i's shape without its last axis is LSE_i's (a row of Y per row and
 * head: one head, or per-head outputs (B,) H, n, dv), or Y_i is (B,) n,
 * H·dv with LSE_i (B,) H, n (heads side by side in the columns); a 1-D
 * Y_i is one row.  Every Y_i must have Y_1's shape and every LSE_i
 * LSE_1's.  Returns 0 with *dead set to the rows no shard saw a key
 * for, or -1 with e set: an input's error, shapes that do not pair up
 * or differ from the first shard's (naming both files and shapes), a
 * write error.
 */
int merge_run(const char *const spec[], size_t npairs, struct par *pool,
    struct out *y, struct out *lse, size_t *dead, struct err *e);

#endif
