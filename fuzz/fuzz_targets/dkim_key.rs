//! The DKIM key record parser (tag-list, base64, RSA DER length walk) never panics, whatever the
//! text; the DER reader never panics on raw bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::auth::dkim_key;

fuzz_target!(|data: &[u8]| {
    let _ = dkim_key::rsa_modulus_bits(data);
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = dkim_key::parse(text) {
        assert!(e.pos <= text.len());
    }
});
