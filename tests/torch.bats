#!/usr/bin/env bats
# selfattn against PyTorch: masks, causal alignments, windows, key
# padding, MultiheadAttention (packed in_proj, memory, batches), grouped
# queries, per-head tensors, positions (sinusoidal, RoPE), Luong and
# Bahdanau scores.  The cases in tests/torch/NAME/ were computed by
# tests/torch/gen.py in float64 with torch 1.13 (nn.MultiheadAttention,
# F._scaled_dot_product_attention, or its math in torch ops; the call of
# each case is a comment there), and each was checked against a NumPy
# reimplementation (1e-12) and a long-double one (1e-13).
#
# Each folder holds the inputs, a one-line `cmd` with the selfattn
# arguments relative to the folder, expect_out.npy, expect_w.npy (the
# weights as -a writes them), and, where some query row has every key
# masked, expect_warning: the one line selfattn prints to stderr (exit 0;
# PyTorch 1.13 gave NaN for those rows, where scaled_dot_product_attention
# gives zeros since 2.5: the expectation has zeros).

load helpers

TORCH="$ROOT/tests/torch"

# in_case NAME: work in a fresh copy of tests/torch/NAME.
in_case() {
	cp -R "$TORCH/$1" "$BATS_TEST_TMPDIR/$1"
	cd "$BATS_TEST_TMPDIR/$1" || return 1
}

# torch_case NAME [ABS]: run NAME's cmd with -o out.npy (and -a w.npy when
# weights are expected); it must exit 0 and print nothing to stderr but
# the expected warning; output and weights must agree to 1e-12 relative,
# plus ABS absolute (1e-15 where expected values are exactly 0: masked
# weights, zeroed rows).
torch_case() {
	local abs=${2:-0} args=(-o out.npy)
	in_case "$1"
	if [ -f expect_w.npy ]; then
		args+=(-a w.npy)
	fi
	if [ -f expect_lse.npy ]; then
		args+=(--lse lse.npy)
	fi
	# shellcheck disable=SC2046 # cmd is a word list on purpose
	run --separate-stderr "$SA" $(cat cmd) "${args[@]}"
	if [ "$status" -ne 0 ]; then
		echo "selfattn $(cat cmd) ${args[*]}: exit $status"
		echo "$stderr"
		return 1
	fi
	if [ -f expect_warning ]; then
		if [ "$stderr" != "$(cat expect_warning)" ]; then
			echo "stderr: $stderr"
			echo "want:   $(cat expect_warning)"
			return 1
		fi
	elif [ -n "$stderr" ]; then
		echo "unexpected stderr: $stderr"
		return 1
	fi
	"$CMPMAT" -r 1e-12 -a "$abs" out.npy expect_out.npy
	if [ -f expect_w.npy ]; then
		"$CMPMAT" -r 1e-12 -a "$abs" w.npy expect_w.npy
	fi
	if [ -f expect_lse.npy ]; then
		"$CMPMAT" -r 1e-13 lse.npy expect_lse.npy
	fi
}

# has_opt TEXT NAME...: TEXT mentions one of the option NAMEs as a word
# of its own (so "-a" is not found in "--average-weights").
has_opt() {
	local text=$1 o
	shift
	for o in "$@"; do
		if printf '%s\n' "$text" |
		    grep -qE -e "(^|[^[:alnum:]-])$o([^[:alnum:]-]|$)"; then
			return 0
		fi
	done
	echo "\"$text\" does not name $*"
	return 1
}

# fails STATUS: the run exited with STATUS and the first line of stderr
# is a selfattn message.
fails() {
	if [ "$status" -ne "$1" ]; then
		echo "exit $status, want $1; stderr: $stderr"
		return 1
	fi
	# shellcheck disable=SC2154 # set by run --separate-stderr
	[[ "${stderr_lines[0]}" == "selfattn: "* ]]
}

# -- causal ---------------------------------------------------------------

@test "torch: -c is sdpa's is_causal (top-left), n = m, 2 heads with W^O" {
	torch_case causal_tl_square 1e-15
}

@test "torch: --causal with n < m is top-left: query i sees keys j <= i" {
	torch_case causal_tl_n_lt_m 1e-15
}

@test "torch: --causal with n > m is top-left: query i sees keys j <= i" {
	torch_case causal_tl_n_gt_m 1e-15
}

@test "torch: --causal=bottom-right with n < m: query i sees j <= i + m - n" {
	torch_case causal_br_n_lt_m 1e-15
}

@test "torch: --causal=bottom-right with n > m: the first n - m rows are zeros, with a warning" {
	torch_case causal_br_n_gt_m 1e-15
}

# -- masks -----------------------------------------------------------------

@test "torch: a 0/1 CSV --mask is boolean, 1 = may attend (sdpa's bool attn_mask)" {
	torch_case mask_bool 1e-15
}

@test "torch: a float --bias with -inf entries is added to the scaled scores (float attn_mask)" {
	torch_case mask_additive 1e-15
}

@test "torch: a 3-D 0/1 --mask (H, n, m) masks each head on its own" {
	torch_case mask_per_head_bool 1e-15
}

@test "torch: a 3-D --bias (H, n, m) is added per head" {
	torch_case mask_per_head_additive 1e-15
}

@test "torch: --key-padding (m values, 1 = padding) is MultiheadAttention's key_padding_mask" {
	torch_case key_padding 1e-15
}

@test "torch: --key-padding with -c leaving a row no key: zero row, exit 0, one warning line" {
	torch_case key_padding_causal_allmasked 1e-15
	# the zeros are exact, in both heads
	run "$CATMAT" w.npy
	[ "${lines[0]}" = "0,0,0,0,0" ]
	run "$CATMAT" out.npy
	[ "${lines[0]}" = "0,0,0,0" ]
}

@test "torch: the warning line for fully masked rows counts rows over all heads" {
	in_case key_padding_causal_allmasked
	# shellcheck disable=SC2046
	run --separate-stderr "$SA" $(cat cmd) -o out.csv
	[ "$status" -eq 0 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "selfattn: warning: 2 query rows, counted in each head, have every key masked: their weights and their heads' outputs are 0" ]
}

# -- windows ---------------------------------------------------------------

@test "torch: --window 2: query i sees keys with |i - j| <= 2" {
	torch_case window 1e-15
}

@test "torch: --window 2 --causal: query i sees keys i - 2 .. i" {
	torch_case window_causal 1e-15
}

@test "torch: --window 1 with n != m and no causal aligns queries at 0 (top-left)" {
	torch_case window_cross 1e-15
}

@test "torch: --window 2 --causal=bottom-right shifts queries by m - n" {
	torch_case window_causal_br 1e-15
}

# -- MultiheadAttention -------------------------------------------------------

@test "torch: --layout torch --in-proj/--in-proj-bias/-w/--bo is nn.MultiheadAttention, 4 heads, weights per head" {
	torch_case mha_in_proj
}

@test "torch: --average-weights gives MultiheadAttention's average_attn_weights=True (n, m)" {
	torch_case mha_in_proj_average
}

@test "torch: MultiheadAttention with a bool --mask (1 = may attend, MHA's attn_mask inverted)" {
	torch_case mha_in_proj_mask 1e-15
}

@test "torch: a 3-D X (B=3) with --key-padding (B, m) is batched MultiheadAttention" {
	torch_case mha_batch_key_padding 1e-15
}

@test "torch: batched MultiheadAttention with --causal and --average-weights gives (B, n, m)" {
	torch_case mha_batch_causal_average 1e-15
}

@test "torch: --memory cross-attention with --bq (CSV row) --bk --bv --bo is MHA with kdim/vdim" {
	torch_case memory_cross_bias
}

@test "torch: --memory with --layout torch takes MHA's q/k/v_proj_weight as stored" {
	torch_case memory_cross_bias_torch_layout
}

@test "torch: --memory-keys and --memory-values are MHA's key and value with kdim != vdim, batched" {
	torch_case memory_keys_values
}

@test "torch: --in-proj-bias with -q -k -v is MHA's in_proj_bias beside q/k/v_proj_weight (kdim != vdim)" {
	torch_case memory_keys_values_in_proj_bias
}

@test "torch: --in-proj with --memory-keys and --memory-values is MHA's in_proj_weight on a key and a value sequence (kdim = vdim = E)" {
	torch_case memory_keys_values_in_proj
}

# -- batches -------------------------------------------------------------

@test "torch: a CSV X of 2 blank-separated blocks is a batch of 2: output (2, n, d), weights (2, n, m)" {
	torch_case csv_batch
}

@test "torch: batched X with a 4-D 0/1 --mask (B, 1, n, m)" {
	torch_case batch_mask_4d_bool 1e-15
}

@test "torch: batched X with a 4-D --bias (B, H, n, m)" {
	torch_case batch_mask_4d_additive_per_head 1e-15
}

@test "torch: a query axis of 1 is broadcast: BERT's extended mask (B, 1, 1, m) as --bias" {
	torch_case batch_mask_broadcast_bert_additive 1e-15
}

@test "torch: a query axis of 1 is broadcast: a 0/1 --mask (H, 1, m)" {
	torch_case mask_broadcast_queries_per_head_bool 1e-15
}

@test "torch: a key axis of 1 is broadcast: a 0/1 --mask (B, 1, n, 1) hides whole rows" {
	torch_case batch_mask_broadcast_keys_bool 1e-15
}

@test "torch: a key axis of 1 is broadcast: a --bias (H, n, 1), -inf hiding rows" {
	torch_case mask_broadcast_keys_per_head_additive 1e-15
}

# -- grouped-query attention -------------------------------------------------

@test "torch: --kv-heads 2 with -H 4: query head h uses kv head h // 2 (repeat_interleave)" {
	torch_case gqa_h4_g2
}

@test "torch: --kv-heads 1 is multi-query attention" {
	torch_case mqa_h4_g1
}

@test "torch: projected multi-query with biases reads only G·dv value columns" {
	torch_case mqa_h8_g1_bias
}

# -- score modifiers: --softcap, --window L,R, --alibi, --sinks ---------------
# Output, weights and --lse of each, against the math in torch ops.

@test "torch: --softcap C is C·tanh(scores/C) after the scale (Gemma 2's attn_logit_softcapping)" {
	torch_case softcap
}

@test "torch: --softcap with bottom-right causal, GQA and a batch" {
	torch_case softcap_causal_gqa_batch 1e-15
}

@test "torch: --window 2,1: query i sees keys i-2 .. i+1 (JAX local_window_size)" {
	torch_case window_lr 1e-15
}

@test "torch: --window 0,3 with n != m, one head" {
	torch_case window_lr_cross 1e-15
}

@test "torch: --window 2,4 with bottom-right causal (R capped at 0) and a batch" {
	torch_case window_lr_causal_br_batch 1e-15
}

@test "torch: --alibi adds -slope_h·|i - j| with BLOOM's slopes, 4 heads" {
	torch_case alibi
}

@test "torch: --alibi with 6 heads (not a power of 2) and bottom-right causal" {
	torch_case alibi_causal_h6 1e-15
}

@test "torch: --alibi=@FILE takes the slopes, with GQA, causal and a batch" {
	torch_case alibi_file_gqa_batch 1e-15
}

@test "torch: --sinks: softmax([scores, sink_h])[:, :m] (gpt-oss), LSE over both" {
	torch_case sinks
}

@test "torch: --sinks: a row with no visible key is zeros, without a warning; its LSE is the sink" {
	torch_case sinks_masked_row 1e-15
	run "$CATMAT" out.npy
	[ "${lines[0]}" = "0,0,0,0" ]
}

@test "torch: --sinks with bottom-right causal, multi-query and a batch" {
	torch_case sinks_causal_gqa_batch 1e-15
}

@test "torch: every modifier at once: scale, soft-cap, bias, ALiBi, window, causal, sinks" {
	torch_case modifiers_all 1e-15
}

@test "torch: --qk-norm is the RMSNorm of each head's queries and keys (eps 1e-6)" {
	torch_case qk_norm
}

@test "torch: --qk-norm=1e-5 --q-norm --k-norm then --rope, with GQA, causal and a batch (Qwen3)" {
	torch_case qk_norm_weights_rope_causal_gqa_batch 1e-15
}

@test "torch: --key-lengths hides keys past each sequence's length (JAX key_value_seq_lengths)" {
	torch_case key_lengths 1e-15
}

@test "torch: --query-lengths: padding queries give zeros and LSE -inf, without a warning" {
	torch_case query_lengths 1e-15
}

@test "torch: both lengths with bottom-right causal, GQA and sinks" {
	torch_case lengths_causal_gqa_sinks 1e-15
}

@test "torch: modifiers over 9000 keys (three chunks, merged; threads split the keys) with --lse" {
	torch_case modifiers_long_keys
	# shellcheck disable=SC2046
	"$SA" $(cat cmd) -j1 -o y1.npy --lse l1.npy
	cmp y1.npy out.npy
	cmp l1.npy lse.npy
}

@test "torch: the modifiers give the same bits for any -j, and agree in f32" {
	in_case modifiers_all
	# shellcheck disable=SC2046
	"$SA" $(cat cmd) -j1 -o y1.npy -a w1.npy --lse l1.npy
	# shellcheck disable=SC2046
	"$SA" $(cat cmd) -j2 -o y2.npy -a w2.npy --lse l2.npy
	cmp y1.npy y2.npy
	cmp w1.npy w2.npy
	cmp l1.npy l2.npy
	# shellcheck disable=SC2046
	"$SA" $(cat cmd) --dtype f32 -o y3.npy
	"$CMPMAT" -r 1e-4 -a 1e-6 y3.npy expect_out.npy
}

# -- the log-sum-exp (--lse) ----------------------------------------------------

@test "torch: --lse is torch.logsumexp of the scaled scores, (H, n)" {
	torch_case lse_heads
}

@test "torch: --lse of one head is (n)" {
	torch_case lse_one_head
}

@test "torch: --lse of a causal bottom-right batch is (B, H, n)" {
	torch_case lse_batch_causal_br
}

@test "torch: --lse of a row with every key masked is -inf" {
	torch_case lse_masked_rows 1e-15
}

@test "torch: --lse over 9000 keys (three chunks merged), any -j" {
	torch_case lse_long_keys
	for j in 1 2 3; do
		"$SA" $(cat cmd) -j $j -o o$j.npy --lse l$j.npy
		cmp o$j.npy out.npy
		cmp l$j.npy lse.npy
	done
}

# -- per-head tensors ----------------------------------------------------------

@test "torch: 3-D -Q/-K/-V (H, n, dk) without -H: output (H, n, dv) as sdpa" {
	torch_case per_head_3d
}

@test "torch: 3-D -Q/-K/-V with -w: heads concatenated, times W^O" {
	torch_case per_head_3d_wo
}

@test "torch: 4-D -Q/-K/-V (B, H, n, dk): output (B, H, n, dv) as sdpa" {
	torch_case per_head_4d
}

@test "torch: 4-D -Q/-K/-V with -w: output (B, n, d_out)" {
	torch_case per_head_4d_wo
}

@test "torch: 3-D K/V with fewer heads than Q is grouped-query attention" {
	torch_case per_head_3d_gqa
}

@test "torch: per-head Q in text blocks with K and V matrices: one kv head for all" {
	torch_case per_head_3d_shared_kv
}

@test "torch: 4-D grouped-query tensors (6 query heads, 2 kv heads) with -w" {
	torch_case per_head_4d_gqa_wo
}

# -- positions -------------------------------------------------------------

@test "torch: --pos sinusoidal adds the PyTorch tutorial's positional encoding to X" {
	torch_case pos_sinusoidal
}

@test "torch: --rope (base 10000) rotates q and k after projection and bias (HF rotate_half)" {
	torch_case rope_default
}

@test "torch: --rope=500000 sets the base" {
	torch_case rope_base_500000
}

@test "torch: --rope=@FILE takes a model's inverse frequencies (Llama 3.1's scaled ones)" {
	torch_case rope_file_llama3
}

@test "torch: --rope=@FILE with fewer frequencies rotates the first components only (GPT-NeoX's rotary_pct)" {
	torch_case rope_file_partial
}

@test "torch: --rope with --causal=bottom-right puts query i at position i + m - n" {
	torch_case rope_causal_bottom_right 1e-15
}

# -- scores ------------------------------------------------------------------

@test "torch: --score general: scores q Wa k^T, scale 1 (Luong), 2 heads" {
	torch_case score_general
}

@test "torch: --score general with dq != dk: Wa is dq x dk" {
	torch_case score_general_rect
}

@test "torch: --score general with --layout torch keeps Wa dq x dk, -w out x in" {
	torch_case score_general_torch_layout
}

@test "torch: --score additive: va . tanh(q WA + k UA), scale 1 (Bahdanau)" {
	torch_case score_additive
}

@test "torch: --score additive with --layout torch takes nn.Linear weights (da x dq, da x dk, 1 x da)" {
	torch_case score_additive_torch_layout
}

@test "torch: --score additive with 2 heads shares WA, UA, va" {
	torch_case score_additive_heads
}

# -- across the kernel's blocks --------------------------------------------------

@test "torch: n=110, m=300 (several query and key blocks), --causal and a --bias" {
	torch_case large_causal_mask 1e-15
}

@test "torch: n=110, m=300, --causal=bottom-right and a 0/1 mask, rows seeing one block or none" {
	torch_case large_bottom_right_mask 1e-15
}

@test "torch: n=300, m=600, --causal: blocks below the diagonal whole, on it cut" {
	torch_case blocks_causal 1e-15
}

@test "torch: n=300, m=554, --causal=bottom-right: query 0 one key short of a block" {
	torch_case blocks_causal_br 1e-15
}

@test "torch: n=300, m=600, --window 300,40: blocks inside the window whole" {
	torch_case blocks_window 1e-15
}

@test "torch: n=300, m=600, --window 300,366: query 144 one key short of a block" {
	torch_case blocks_window_edge 1e-15
}

@test "torch: n=300, m=600, --window 200,30 --causal=bottom-right" {
	torch_case blocks_window_causal_br 1e-15
}

@test "torch: n=300, m=600, --key-padding in the first and last key blocks only" {
	torch_case blocks_key_padding 1e-15
}

@test "torch: n=150, m=520, --mask letting whole blocks through, and one key less" {
	torch_case blocks_mask 1e-15
}

# -- usage errors (exit 2): conflicting options ----------------------------------

@test "torch usage: --in-proj with -q is an error naming both" {
	in_case mha_in_proj
	# shellcheck disable=SC2046
	run --separate-stderr "$SA" $(cat cmd) -q in_proj_weight.npy
	fails 2
	has_opt "${stderr_lines[0]}" --in-proj
	has_opt "${stderr_lines[0]}" -q --wq
}

@test "torch usage: --memory with -Q is an error naming both" {
	in_case causal_tl_n_lt_m
	run --separate-stderr "$SA" -Q Q.npy -K K.npy -V V.npy --memory K.npy
	fails 2
	has_opt "${stderr_lines[0]}" --memory -m
	has_opt "${stderr_lines[0]}" -Q --queries
}

@test "torch usage: --in-proj without --layout torch is an error naming both" {
	in_case mha_in_proj
	run --separate-stderr "$SA" -x X.npy --in-proj in_proj_weight.npy \
	    --in-proj-bias in_proj_bias.npy -H 4
	fails 2
	has_opt "${stderr_lines[0]}" --in-proj
	has_opt "${stderr_lines[0]}" --layout
}

@test "torch usage: --average-weights without -a is an error naming both" {
	in_case mha_in_proj_average
	# shellcheck disable=SC2046
	run --separate-stderr "$SA" $(cat cmd) -o out.npy
	fails 2
	has_opt "${stderr_lines[0]}" --average-weights
	has_opt "${stderr_lines[0]}" -a --weights
	[ ! -e out.npy ]
}

# -- data errors (exit 1): shapes ---------------------------------------------------

@test "torch shape: a --mask of the wrong shape names --mask and the file" {
	in_case mask_bool
	head -n 5 mask.csv > mask5.csv		# 5 x 6, want 6 x 6
	run --separate-stderr "$SA" -x X.npy -q WQ.npy -k WK.npy -v WV.npy \
	    -H 2 --mask mask5.csv
	fails 1
	has_opt "${stderr_lines[0]}" --mask
	[[ "${stderr_lines[0]}" == *mask5.csv* ]]
}

@test "torch shape: a --key-padding of the wrong length names --key-padding and the file" {
	in_case key_padding
	printf '0,1,0,0,1\n' > kp5.csv		# 5 keys, want 6
	run --separate-stderr "$SA" -x X.npy -q WQ.npy -k WK.npy -v WV.npy \
	    -H 2 --key-padding kp5.csv
	fails 1
	has_opt "${stderr_lines[0]}" --key-padding
	[[ "${stderr_lines[0]}" == *kp5.csv* ]]
}

@test "torch shape: a --bq of the wrong length names --bq and the file" {
	in_case causal_tl_square
	printf '1,2,3,4,5\n' > bq5.csv		# 5 values, want H*dk = 6
	run --separate-stderr "$SA" -x X.npy -q WQ.npy -k WK.npy -v WV.npy \
	    -H 2 --bq bq5.csv
	fails 1
	has_opt "${stderr_lines[0]}" --bq
	[[ "${stderr_lines[0]}" == *bq5.csv* ]]
}

@test "torch shape: --kv-heads 3 does not divide -H 4" {
	in_case gqa_h4_g2
	# WK d x 3*3 and WV d x 3*2 fit 3 kv heads of the query width 3
	run --separate-stderr "$SA" -x X.npy -q WQ.npy -k rand:8x9 \
	    -v rand:8x6 -H 4 --kv-heads 3
	fails 2
	has_opt "${stderr_lines[0]}" --kv-heads
}

@test "torch shape: per-head K with 3 heads for 4 query heads names the file" {
	in_case errors
	run --separate-stderr "$SA" -Q Q4.npy -K K3.npy -V V3.npy
	fails 1
	[[ "${stderr_lines[0]}" == *K3.npy* ]]
}
