#!/usr/bin/env bats
# src/gemm.c: correctness, edge sizes and bit-for-bit determinism (row
# splits, column slices, threads) at every ISA level this CPU can run,
# forced with SELFATTN_ISA.  tests/tools/gemmcheck is built from
# tests/tools/gemmcheck.c and the modules.

load helpers

GEMMCHECK="$ROOT/tests/tools/gemmcheck"

# gemm_test LEVEL: gemmcheck test at LEVEL, or skip if the CPU lacks it.
gemm_test() {
	local isa=$1
	run "$GEMMCHECK" isas
	[ "$status" -eq 0 ]
	if ! printf '%s\n' "$output" | grep -qx "$isa"; then
		skip "this CPU has no $isa"
	fi
	SELFATTN_ISA=$isa run "$GEMMCHECK" test
	printf '%s\n' "$output" | grep -v '^FAIL' >&2 || true
	printf '%s\n' "$output" | grep '^FAIL' | head -20 >&2 || true
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "isa: $isa" ]
	[[ "${lines[${#lines[@]}-1]}" =~ ^[0-9]+\ passed,\ 0\ failed$ ]]
}

@test "gemm: generic level" {
	gemm_test generic
}

@test "gemm: avx2 level" {
	gemm_test avx2
}

@test "gemm: avx512 level" {
	gemm_test avx512
}

@test "gemm: default level is the best the CPU has" {
	run "$GEMMCHECK" isas
	[ "$status" -eq 0 ]
	best=${lines[${#lines[@]}-1]}
	SELFATTN_ISA= run "$GEMMCHECK" test
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "isa: $best" ]
}

@test "gemm: SELFATTN_ISA above the CPU falls back, unknown is ignored" {
	run "$GEMMCHECK" isas
	best=${lines[${#lines[@]}-1]}
	SELFATTN_ISA=bogus run "$GEMMCHECK" bench 8 8 8 1
	[ "$status" -eq 0 ]
	[ "${lines[0]%% *}" = "isa:" ]
	[[ "${lines[0]}" == "isa: $best "* ]]
	SELFATTN_ISA=avx512 run "$GEMMCHECK" bench 8 8 8 1
	[[ "${lines[0]}" == "isa: $best "* ]]
	SELFATTN_ISA=generic run "$GEMMCHECK" bench 8 8 8 1
	[[ "${lines[0]}" == "isa: generic "* ]]
}

@test "gemm: gemmcheck rejects bad arguments" {
	run "$GEMMCHECK" bench 8 x 8
	[ "$status" -eq 2 ]
	run "$GEMMCHECK"
	[ "$status" -eq 2 ]
}
