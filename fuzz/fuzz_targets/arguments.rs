//! Every parser of typed values: URLs, proxy URLs, --resolve, HOST[:PORT], --ciphers, durations,
//! plan files. The first byte picks the parser.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| wsusprobe::fuzzing::arguments(data));
