//! The certificate stage's analysis of a hostile chain: the input is cut into certificates at
//! each FF 00 FF marker, then judged for the sync service's name.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| wsusprobe::fuzzing::certificate(data));
