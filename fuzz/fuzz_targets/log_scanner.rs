//! The log scanner (SoftwareDistribution.log, Change.log, event exports; UTF-8 or UTF-16).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| wsusprobe::fuzzing::log_scanner(data));
