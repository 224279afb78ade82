//! The WinHttpSettings registry value: WinHTTP's machine proxy and its bypass list.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| wsusprobe::fuzzing::winhttp_settings(data));
