//! The mailbox password as a value that cannot leak by accident: its `Debug` and `Serialize`
//! print `<redacted>`, it has no `Display`, and its memory is wiped when dropped. Code that must
//! send it to a server asks for it by name with [`Password::expose`].

use serde::{Serialize, Serializer};
use zeroize::Zeroizing;

/// A password. Never printed, logged or serialized; wiped from memory on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password.
    pub fn new(secret: impl Into<String>) -> Password {
        Password(Zeroizing::new(secret.into()))
    }

    /// The password itself, for the one place that sends it to the server.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// True when the password is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Serialize for Password {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_json_never_show_the_password() {
        let p = Password::new("hunter2-secret");
        assert_eq!(format!("{p:?}"), "Password(<redacted>)");
        assert_eq!(
            format!("{:?}", Some(p.clone())),
            "Some(Password(<redacted>))"
        );
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"<redacted>\"");
        assert_eq!(p.expose(), "hunter2-secret");
    }
}
