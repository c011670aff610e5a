//! Signed tokens in reply and unsubscribe addresses: `<member id>-<mac>`, where the MAC is
//! HMAC-SHA256 over the purpose, circular and member with the instance's secret. They can
//! be checked without the database and cannot be guessed or forged without the secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Bytes of the MAC kept in a token: 80 bits, written as 16 base32 characters.
const MAC_BYTES: usize = 10;

/// What a token lets its bearer do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Reply to a circular (the `Reply-To` address).
    Reply,
    /// Stop receiving circulars.
    Unsubscribe,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Purpose::Reply => "reply",
            Purpose::Unsubscribe => "unsubscribe",
        }
    }
}

/// Signs and checks tokens with the instance's secret.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    pub fn new(key: &[u8]) -> Signer {
        Signer { key: key.to_vec() }
    }

    fn mac(&self, purpose: Purpose, circular: u32, member_id: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(format!("{}\0{circular}\0{member_id}", purpose.label()).as_bytes());
        let bytes = mac.finalize().into_bytes();
        data_encoding::BASE32_NOPAD
            .encode(&bytes[..MAC_BYTES])
            .to_ascii_lowercase()
    }

    /// The token for `member_id` and `circular` (0 for tokens not tied to a circular).
    pub fn token(&self, purpose: Purpose, circular: u32, member_id: i64) -> String {
        format!("{member_id}-{}", self.mac(purpose, circular, member_id))
    }

    /// The member a token was made for, if it is genuine. Only the exact spelling the
    /// signer writes is accepted (no `+42` or `042`), in any letter case.
    pub fn verify(&self, purpose: Purpose, circular: u32, token: &str) -> Option<i64> {
        let (id, _) = token.split_once('-')?;
        let member_id: i64 = id.parse().ok()?;
        let expected = self.token(purpose, circular, member_id);
        // Constant-time comparison: a timing difference must not reveal the MAC.
        let same = expected.len() == token.len()
            && expected
                .bytes()
                .zip(token.to_ascii_lowercase().bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        same.then_some(member_id)
    }

    /// The reply address of a member for a circular:
    /// `<local>+c<NNN>.<token>@<domain>`.
    pub fn reply_address(
        &self,
        local: &str,
        domain: &str,
        circular: u32,
        member_id: i64,
    ) -> String {
        let token = self.token(Purpose::Reply, circular, member_id);
        format!("{local}+c{circular:03}.{token}@{domain}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_for_its_member_circular_and_purpose_only() {
        let signer = Signer::new(b"secret");
        let token = signer.token(Purpose::Reply, 30, 42);
        assert_eq!(signer.verify(Purpose::Reply, 30, &token), Some(42));
        assert_eq!(signer.verify(Purpose::Reply, 31, &token), None);
        assert_eq!(signer.verify(Purpose::Unsubscribe, 30, &token), None);
        let forged = token.replacen("42-", "43-", 1);
        assert_eq!(signer.verify(Purpose::Reply, 30, &forged), None);
        assert_eq!(
            Signer::new(b"other").verify(Purpose::Reply, 30, &token),
            None
        );
        assert_eq!(signer.verify(Purpose::Reply, 30, "42"), None);
        assert_eq!(
            signer.verify(Purpose::Reply, 30, &format!("+{token}")),
            None
        );
        assert_eq!(
            signer.verify(Purpose::Reply, 30, &format!("0{token}")),
            None
        );
        assert_eq!(
            signer.verify(Purpose::Reply, 30, &token.to_uppercase()),
            Some(42)
        );
    }

    #[test]
    fn a_reply_address_carries_the_circular_and_a_token() {
        let signer = Signer::new(b"secret");
        let address = signer.reply_address("circulars", "uclg.example.org", 30, 7);
        let token = signer.token(Purpose::Reply, 30, 7);
        assert_eq!(address, format!("circulars+c030.{token}@uclg.example.org"));
        assert_eq!(token.len(), "7-".len() + 16);
    }
}
