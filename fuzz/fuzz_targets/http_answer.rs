//! The http stage's reading of an answer (status line, headers, body, SOAP fault, title) and the
//! clock stage's reading of its `Date` header. The first byte picks SOAP or plain GET.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| wsusprobe::fuzzing::http_answer(data));
