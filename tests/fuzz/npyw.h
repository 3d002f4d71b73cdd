/*
 * npyw.h - the fuzz targets' own .npy writer: a version 1.0 header of a
 * C-order '<f8' array of shape sh, padded to 64 bytes.  (Not the
 * project's npy_header: the targets should not depend on how the
 * writer is called.)  Returns the length, or 0 if cap is too small.
 */
#include <stdio.h>
#include <string.h>

#include "mat.h"

static size_t
npyw_header(unsigned char *buf, size_t cap, const struct mat_shape *sh)
{
	char dict[256];
	size_t n, total;
	int k, i;

	k = snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': "
	    "False, 'shape': (");
	for (i = 0; i < sh->ndim && k > 0 && (size_t)k < sizeof dict; i++)
		k += snprintf(dict + k, sizeof dict - (size_t)k, "%zu,%s",
		    sh->dim[i], i + 1 < sh->ndim ? " " : "");
	if (k > 0 && (size_t)k < sizeof dict)
		k += snprintf(dict + k, sizeof dict - (size_t)k, "), }");
	if (k <= 0 || (size_t)k >= sizeof dict)
		return 0;
	n = (size_t)k;
	total = (10 + n + 1 + 63) / 64 * 64;
	if (total > cap || total - 10 > 65535)
		return 0;
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (unsigned char)((total - 10) & 0xff);
	buf[9] = (unsigned char)((total - 10) >> 8);
	memcpy(buf + 10, dict, n);
	memset(buf + 10 + n, ' ', total - 10 - n - 1);
	buf[total - 1] = '\n';
	return total;
}
