//! The proxy's answer to CONNECT or to a forwarded request: header, Squid markers, schemes, verdict.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| wsusprobe::fuzzing::proxy_answer(data));
