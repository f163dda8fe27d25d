//! Network and file-system safety: which addresses, schemes and local paths a fetch may reach.
//!
//! Private, loopback and link-local addresses are refused by default because a source list
//! (often written by someone else, or extracted from a page) must not be able to make
//! pressgate probe the machine it runs on or its internal network (SSRF).
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why an address is not reachable without `allow_private`.
pub fn non_public_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => {
            // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses reach the
            // IPv4 host, so they are judged as that host.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return v4_reason(v4);
            }
            v6_reason(v6)
        }
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if ip.is_broadcast() || ip.is_multicast() || a >= 240 {
        Some("broadcast, multicast or reserved")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else if ip.is_documentation() || (a == 198 && (b == 18 || b == 19)) {
        Some("documentation or benchmarking")
    } else {
        None
    }
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if (first & 0xffc0) == 0xfe80 {
        Some("link-local")
    } else if (first & 0xfe00) == 0xfc00 {
        Some("private (unique local)")
    } else if (first & 0xffc0) == 0xfec0 {
        Some("private (site-local)")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.segments()[..6] == [0, 0, 0, 0, 0, 0] {
        // Deprecated IPv4-compatible form ::a.b.c.d.
        let [.., c, d] = ip.segments();
        v4_reason(Ipv4Addr::new(
            (c >> 8) as u8,
            c as u8,
            (d >> 8) as u8,
            d as u8,
        ))
    } else if first == 0x2001 && ip.segments()[1] == 0x0db8 {
        Some("documentation")
    } else {
        None
    }
}

/// A refused connection target; found again in reqwest's error chain to report it clearly.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{host} resolves to {addr}, a {reason} address (use --allow-private to allow it)")]
pub struct BlockedAddress {
    pub host: String,
    pub addr: IpAddr,
    pub reason: &'static str,
}

/// Refuse `ip` unless private addresses are allowed.
pub fn check_ip(host: &str, ip: IpAddr, allow_private: bool) -> Result<(), BlockedAddress> {
    if allow_private {
        return Ok(());
    }
    match non_public_reason(ip) {
        Some(reason) => Err(BlockedAddress {
            host: host.to_string(),
            addr: ip,
            reason,
        }),
        None => Ok(()),
    }
}

/// DNS resolver for reqwest that checks every resolved address, so the check applies to the
/// address actually connected to (no second lookup an attacker's DNS could answer differently)
/// and to every redirect hop.
#[derive(Debug, Clone)]
pub struct CheckedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let lookup_host = host.clone();
            let addrs: Vec<SocketAddr> =
                tokio::task::spawn_blocking(move || (lookup_host.as_str(), 0).to_socket_addrs())
                    .await
                    .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { Box::new(e) })?
                    .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { Box::new(e) })?
                    .collect();
            for addr in &addrs {
                check_ip(&host, addr.ip(), allow_private)
                    .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { Box::new(e) })?;
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The IP address written literally in a URL's host, if any (those bypass DNS and the
/// resolver, so they are checked before the request).
pub fn literal_ip(url: &url::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(_) => None,
    }
}

/// Find a [`BlockedAddress`] anywhere in an error's source chain.
pub fn find_blocked(err: &(dyn std::error::Error + 'static)) -> Option<BlockedAddress> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(blocked) = e.downcast_ref::<BlockedAddress>() {
            return Some(blocked.clone());
        }
        current = e.source();
    }
    None
}

/// Resolve a local source path and require it to lie under `project_root` (after following
/// symlinks and `..`), so a source list cannot read arbitrary files such as `~/.ssh`.
pub fn local_path_under(path: &Path, project_root: &Path) -> Result<PathBuf, String> {
    let root = std::fs::canonicalize(project_root)
        .map_err(|e| format!("project directory {}: {e}", project_root.display()))?;
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    };
    let resolved =
        std::fs::canonicalize(&joined).map_err(|e| format!("{}: {e}", joined.display()))?;
    if resolved.starts_with(&root) {
        Ok(resolved)
    } else {
        Err(format!(
            "{} is outside the project directory {}",
            resolved.display(),
            root.display()
        ))
    }
}

/// Shared handle for the resolver, as reqwest wants it.
pub fn resolver(allow_private: bool) -> Arc<CheckedResolver> {
    Arc::new(CheckedResolver { allow_private })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(s: &str) -> Option<&'static str> {
        non_public_reason(s.parse().expect("test address"))
    }

    #[test]
    fn refuses_private_loopback_and_link_local_v4() {
        for addr in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
        ] {
            assert!(reason(addr).is_some(), "{addr} should be refused");
        }
        for addr in ["8.8.8.8", "93.184.216.34", "172.32.0.1", "1.1.1.1"] {
            assert_eq!(reason(addr), None, "{addr} is public");
        }
    }

    #[test]
    fn refuses_private_v6_and_mapped_v4() {
        for addr in [
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
        ] {
            assert!(reason(addr).is_some(), "{addr} should be refused");
        }
        for addr in ["2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            assert_eq!(reason(addr), None, "{addr} is public");
        }
    }

    #[test]
    fn allow_private_lets_everything_through() {
        let ip: IpAddr = "127.0.0.1".parse().expect("test address");
        assert!(check_ip("localhost", ip, true).is_ok());
        let err = check_ip("localhost", ip, false).expect_err("loopback refused");
        assert!(err.to_string().contains("loopback"));
    }

    #[test]
    fn local_paths_must_stay_in_the_project() {
        let dir = tempfile::tempdir().expect("temp dir");
        let inner = dir.path().join("project");
        std::fs::create_dir_all(&inner).expect("mkdir");
        std::fs::write(inner.join("page.html"), "<p>x</p>").expect("write");
        std::fs::write(dir.path().join("secret.txt"), "x").expect("write");
        assert!(local_path_under(Path::new("page.html"), &inner).is_ok());
        assert!(local_path_under(Path::new("../secret.txt"), &inner).is_err());
        assert!(local_path_under(&dir.path().join("secret.txt"), &inner).is_err());
    }
}
