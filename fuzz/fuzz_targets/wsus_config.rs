//! A WSUS configuration export (UTF-8 or UTF-16) and everything derived from it.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| wsusprobe::fuzzing::wsus_config(data));
