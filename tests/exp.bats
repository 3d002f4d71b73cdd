#!/usr/bin/env bats
# The kernels' vectorised exp against libm: relative error <= 1e-15 in
# double (normal results), <= 1e-6 in float; exact 0, inf and NaN; the
# same bits for arguments in runs all within +-700 (+-80 in float),
# which take a shorter way, and out of them; and the weights' exp(s -
# mx) / l, which the FMA levels compute with no division, bit for bit
# the division of that exp (expcheck's weights lines).
# And their vectorised tanh (additive scores, soft-cap): <= 4e-16 in
# double, <= 2e-7 in float; exact ±0, tiny x, ±1 and NaN; odd.

load helpers

@test "exp: double <= 1e-15 and float <= 1e-6 relative error, generic code" {
	SELFATTN_ISA=generic run "$ROOT/tests/tools/expcheck" 1000000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^[0-9]+\ passed,\ 0\ failed$ ]]
}

@test "exp: double <= 1e-15 and float <= 1e-6 relative error, best code for this CPU" {
	run "$ROOT/tests/tools/expcheck" 1000000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^[0-9]+\ passed,\ 0\ failed$ ]]
}

# exp_level LEVEL: expcheck at LEVEL, or skip if the CPU lacks it.
exp_level() {
	if ! "$ROOT/tests/tools/gemmcheck" isas | grep -qx "$1"; then
		skip "this CPU has no $1"
	fi
	SELFATTN_ISA=$1 run "$ROOT/tests/tools/expcheck" 1000000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^[0-9]+\ passed,\ 0\ failed$ ]]
}

@test "exp: double <= 1e-15 and float <= 1e-6 relative error, AVX2 code" {
	exp_level avx2
}

@test "exp: double <= 1e-15 and float <= 1e-6 relative error, AVX-512 code" {
	exp_level avx512
}

@test "tanh: double <= 4e-16 and float <= 2e-7 relative error, generic code" {
	SELFATTN_ISA=generic run "$ROOT/tests/tools/tanhcheck" 1000000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^[0-9]+\ passed,\ 0\ failed$ ]]
}

@test "tanh: double <= 4e-16 and float <= 2e-7 relative error, best code for this CPU" {
	run "$ROOT/tests/tools/tanhcheck" 1000000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^[0-9]+\ passed,\ 0\ failed$ ]]
}

# tanh_level LEVEL: tanhcheck at LEVEL, or skip if the CPU lacks it.
tanh_level() {
	if ! "$ROOT/tests/tools/gemmcheck" isas | grep -qx "$1"; then
		skip "this CPU has no $1"
	fi
	SELFATTN_ISA=$1 run "$ROOT/tests/tools/tanhcheck" 1000000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^[0-9]+\ passed,\ 0\ failed$ ]]
}

@test "tanh: double <= 4e-16 and float <= 2e-7 relative error, AVX2 code" {
	tanh_level avx2
}

@test "tanh: double <= 4e-16 and float <= 2e-7 relative error, AVX-512 code" {
	tanh_level avx512
}
