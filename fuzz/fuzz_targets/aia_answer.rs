//! What an AIA caIssuers URL answered: a DER certificate, a PKCS#7 bundle, or anything else.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| wsusprobe::fuzzing::aia_answer(data));
