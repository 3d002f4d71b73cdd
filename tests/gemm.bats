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

# The AVX-512 instances built for AVX2 (-DGEMM_AVX512_EMULATE: the
# compiler splits each 512-bit vector in two), so that their block logic,
# their exp and the attention over them are checked on any AVX2 machine,
# not only where the CPU has AVX-512.
@test "gemm: the AVX-512 code built for AVX2 (GEMM_AVX512_EMULATE) checks out" {
	run "$GEMMCHECK" isas
	printf '%s\n' "$output" | grep -qx avx2 || skip "this CPU has no avx2"
	mkdir -p emu/tests/tools
	cp -R "$ROOT/Makefile" "$ROOT/src" emu/
	cp "$ROOT"/tests/tools/*.c emu/tests/tools/
	rm -f emu/src/*.o
	run make -s -C emu CFLAGS="-O1 -DGEMM_AVX512_EMULATE" selfattn \
	    tests/tools/gemmcheck tests/tools/expcheck
	[ "$status" -eq 0 ]
	run emu/tests/tools/gemmcheck isas
	[ "${lines[${#lines[@]}-1]}" = avx512 ]
	SELFATTN_ISA=avx512 run emu/tests/tools/gemmcheck test
	printf '%s\n' "$output" | grep '^FAIL' | head -20 >&2 || true
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "isa: avx512" ]
	[[ "${lines[${#lines[@]}-1]}" =~ ^[0-9]+\ passed,\ 0\ failed$ ]]
	SELFATTN_ISA=avx512 run emu/tests/tools/expcheck 100000
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^[0-9]+\ passed,\ 0\ failed$ ]]
	# attention, weights and log-sum-exp at that level against the
	# AVX2 level, and with 3 threads against 1
	a="-x randn:300x96 -q randn:96x96 -k randn:96x96 -v randn:96x96
	    -H 3 -c --softcap 20 --seed 4 -f npy"
	SELFATTN_ISA=avx512 emu/selfattn $a -a ea.npy --lse el.npy -j 1 >e.npy
	SELFATTN_ISA=avx512 emu/selfattn $a -a fa.npy --lse fl.npy -j 3 >f.npy
	SELFATTN_ISA=avx2 "$SA" $a -a ma.npy --lse ml.npy >m.npy
	cmp e.npy f.npy
	cmp ea.npy fa.npy
	cmp el.npy fl.npy
	"$CMPMAT" -r 1e-13 e.npy m.npy
	"$CMPMAT" -r 1e-13 ea.npy ma.npy
	"$CMPMAT" -r 1e-13 el.npy ml.npy
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
