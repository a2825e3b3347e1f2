//! The agent's identity on the API port: a self-signed certificate made on first run, its
//! key 0600 in the config dir. The SHA-256 of the certificate (DER) is the fingerprint a
//! client pins; no certificate authority, name or date is involved, so only the agent that
//! holds this key can complete a handshake a paired client accepts.

use crate::{paths, secrets};
use anyhow::{anyhow, Context, Result};
use rustls::{
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::{ring, verify_tls12_signature, verify_tls13_signature, CryptoProvider},
    pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer, ServerName, UnixTime},
    DigitallySignedStruct, SignatureScheme,
};
use sha2::{Digest, Sha256};
use std::{path::Path, sync::Arc};

/// The name in the certificate and the one clients ask for; identity is the fingerprint.
pub const SERVER_NAME: &str = "opencode-lookout";

/// The certificate and key the API serves.
#[derive(Debug)]
pub struct Identity {
    pub cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    /// SHA-256 of `cert`, 64 lowercase hex characters.
    pub fingerprint: String,
}

/// SHA-256 over a DER certificate as 64 lowercase hex characters.
pub fn fingerprint(cert_der: &[u8]) -> String {
    Sha256::digest(cert_der).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a string is a fingerprint as [`fingerprint`] writes it.
pub fn is_fingerprint(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// The identity in `dir`, made on first use (`run` calls this).
pub fn load_or_create(dir: &Path) -> Result<Identity> {
    let key_pem = secrets::load_or_create(&dir.join(paths::TLS_KEY), new_key)?;
    let cert_path = dir.join(paths::TLS_CERT);
    if let Ok(pem) = std::fs::read_to_string(&cert_path) {
        match identity(&pem, &key_pem) {
            Ok(id) => return Ok(id),
            Err(e) => tracing::warn!(error = %e, "TLS certificate unusable; making a new one"),
        }
    }
    let cert_pem = new_cert(&key_pem)?;
    secrets::write_private(&cert_path, &cert_pem)?;
    identity(&cert_pem, &key_pem)
}

/// The identity in `dir`, which must exist (a running agent reloading after `rotate`).
pub fn load(dir: &Path) -> Result<Identity> {
    let key_pem = secrets::load(&dir.join(paths::TLS_KEY))?;
    let cert_path = dir.join(paths::TLS_CERT);
    let cert_pem = std::fs::read_to_string(&cert_path)
        .with_context(|| format!("cannot read {}", cert_path.display()))?;
    identity(&cert_pem, &key_pem)
}

/// A new key and certificate in `dir`, replacing the old ones (`rotate`).
pub fn rotate(dir: &Path) -> Result<Identity> {
    let key_pem = new_key()?;
    let cert_pem = new_cert(&key_pem)?;
    let id = identity(&cert_pem, &key_pem)?;
    secrets::write_private(&dir.join(paths::TLS_KEY), &key_pem)?;
    secrets::write_private(&dir.join(paths::TLS_CERT), &cert_pem)?;
    Ok(id)
}

/// The fingerprint of the certificate in `dir` (the CLI pins it; `pair` prints it).
pub fn read_fingerprint(dir: &Path) -> Result<String> {
    try_read_fingerprint(dir)?.ok_or_else(|| {
        anyhow!(
            "the agent's certificate {} does not exist yet: start the agent first \
             (`opencode-lookout run`, or `opencode-lookout install-service`), which creates it",
            dir.join(paths::TLS_CERT).display()
        )
    })
}

/// Like [`read_fingerprint`], `None` while the certificate does not exist (the agent
/// writes it whole, by rename, so a file that exists is complete).
pub fn try_read_fingerprint(dir: &Path) -> Result<Option<String>> {
    let path = dir.join(paths::TLS_CERT);
    let pem = match std::fs::read(&path) {
        Ok(pem) => pem,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let cert = CertificateDer::from_pem_slice(&pem)
        .map_err(|e| anyhow!("the agent's certificate {} is not valid: {e}", path.display()))?;
    Ok(Some(fingerprint(&cert)))
}

fn new_key() -> Result<String> {
    Ok(rcgen::KeyPair::generate().context("cannot generate a TLS key")?.serialize_pem())
}

fn new_cert(key_pem: &str) -> Result<String> {
    let key = rcgen::KeyPair::from_pem(key_pem).context("the TLS key is not valid")?;
    let params = rcgen::CertificateParams::new(vec![SERVER_NAME.to_owned()])
        .context("certificate parameters")?;
    Ok(params.self_signed(&key).context("cannot sign the TLS certificate")?.pem())
}

fn identity(cert_pem: &str, key_pem: &str) -> Result<Identity> {
    let cert = CertificateDer::from_pem_slice(cert_pem.as_bytes())
        .map_err(|e| anyhow!("the TLS certificate is not valid: {e}"))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| anyhow!("the TLS key is not valid: {e}"))?;
    let id = Identity { fingerprint: fingerprint(&cert), cert, key };
    server_config(&id)?; // the key must belong to the certificate
    Ok(id)
}

/// The server side of the API's TLS.
pub fn server_config(id: &Identity) -> Result<Arc<rustls::ServerConfig>> {
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .with_no_client_auth()
        .with_single_cert(vec![id.cert.clone()], id.key.clone_key())
        .context("the TLS key does not match the certificate")?;
    Ok(Arc::new(config))
}

/// A client config that accepts exactly the certificate with this fingerprint.
pub fn pinned_client_config(fingerprint: &str) -> Result<Arc<rustls::ClientConfig>> {
    let fp = fingerprint.trim().to_ascii_lowercase();
    anyhow::ensure!(is_fingerprint(&fp), "not a certificate fingerprint: {fingerprint:?}");
    let provider = provider();
    let verifier = Arc::new(Pinned { fingerprint: fp, provider: provider.clone() });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The name a pinned client sends (any fixed name works; identity is the fingerprint).
pub fn server_name() -> ServerName<'static> {
    ServerName::DnsName(rustls::pki_types::DnsName::try_from(SERVER_NAME).expect("valid DNS name"))
}

/// Trusts one certificate by fingerprint; the handshake signatures are still checked, so
/// presenting the certificate without its key fails.
#[derive(Debug)]
struct Pinned {
    fingerprint: String,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let got = fingerprint(end_entity);
        if bool::from(subtle::ConstantTimeEq::ct_eq(got.as_bytes(), self.fingerprint.as_bytes())) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "the agent's certificate {got} is not the paired one {}",
                self.fingerprint
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    //! Identity files and fingerprints.
    use super::*;

    #[test]
    fn identity_is_made_once_and_rotated() {
        let dir = std::env::temp_dir().join(format!("ocl-tls-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let a = load_or_create(&dir).unwrap();
        assert!(is_fingerprint(&a.fingerprint), "{}", a.fingerprint);
        assert_eq!(load_or_create(&dir).unwrap().fingerprint, a.fingerprint, "kept");
        assert_eq!(read_fingerprint(&dir).unwrap(), a.fingerprint);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(paths::TLS_KEY)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "key is private");
        }
        let b = rotate(&dir).unwrap();
        assert_ne!(b.fingerprint, a.fingerprint);
        assert_eq!(load_or_create(&dir).unwrap().fingerprint, b.fingerprint);
        assert!(pinned_client_config(&b.fingerprint).is_ok());
        assert!(pinned_client_config("abc").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
