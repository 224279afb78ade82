//! The NTLM CHALLENGE message a proxy sends in Proxy-Authenticate, and the response built on it.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| wsusprobe::fuzzing::ntlm_challenge(data));
