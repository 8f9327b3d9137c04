#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| simd_activations_fuzz::capi_checks::capi_from_name(data));
