//! robots.txt (RFC 9309): groups by user agent, Allow/Disallow with `*` and `$`, the longest
//! matching rule wins and Allow wins a tie.

/// The rules of one robots.txt that apply to one user agent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Robots {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    allow: bool,
    pattern: String,
}

impl Robots {
    /// Everything allowed (no robots.txt, or a 4xx answer for it).
    pub fn allow_all() -> Robots {
        Robots::default()
    }

    /// Everything disallowed (robots.txt unreachable because of a server error, RFC 9309 §2.3.1.4).
    pub fn disallow_all() -> Robots {
        Robots {
            rules: vec![Rule {
                allow: false,
                pattern: "/".into(),
            }],
        }
    }

    /// Parse `text` and keep the rules of the group for `agent` (matched case-insensitively on
    /// the product token), or of the `*` group when no group names it.
    pub fn parse(text: &str, agent: &str) -> Robots {
        let agent = agent.to_ascii_lowercase();
        let mut specific: Vec<Rule> = Vec::new();
        let mut wildcard: Vec<Rule> = Vec::new();
        let mut found_specific = false;
        // State of the group being read: its agents, and whether rules have started (a
        // User-agent line after rules opens a new group).
        let mut group_agents: Vec<String> = Vec::new();
        let mut in_rules = false;
        for raw_line in text.lines() {
            let line = raw_line.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            match key.as_str() {
                "user-agent" => {
                    if in_rules {
                        group_agents.clear();
                        in_rules = false;
                    }
                    group_agents.push(value.to_ascii_lowercase());
                }
                "allow" | "disallow" => {
                    in_rules = true;
                    if value.is_empty() {
                        // `Disallow:` with no path allows everything; it adds no rule.
                        continue;
                    }
                    let rule = Rule {
                        allow: key == "allow",
                        pattern: value.to_string(),
                    };
                    if group_agents.iter().any(|a| agent_matches(a, &agent)) {
                        found_specific = true;
                        specific.push(rule.clone());
                    }
                    if group_agents.iter().any(|a| a == "*") {
                        wildcard.push(rule);
                    }
                }
                _ => {}
            }
        }
        Robots {
            rules: if found_specific { specific } else { wildcard },
        }
    }

    /// Whether `path` (path plus query, as in the request line) may be fetched.
    pub fn is_allowed(&self, path: &str) -> bool {
        if path == "/robots.txt" {
            return true;
        }
        let mut best: Option<(&Rule, usize)> = None;
        for rule in &self.rules {
            if !pattern_matches(&rule.pattern, path) {
                continue;
            }
            let len = rule.pattern.len();
            best = match best {
                Some((b, blen)) if blen > len || (blen == len && (b.allow || !rule.allow)) => {
                    Some((b, blen))
                }
                _ => Some((rule, len)),
            };
        }
        best.is_none_or(|(rule, _)| rule.allow)
    }
}

fn agent_matches(group_agent: &str, our_agent: &str) -> bool {
    // Our token is `pressgate`; a group for `pressgate` or `pressgate/0.1` names us.
    let token = our_agent.split('/').next().unwrap_or(our_agent);
    group_agent != "*" && (group_agent == token || group_agent.starts_with(&format!("{token}/")))
}

/// Match a robots pattern: `*` is any run of characters, a final `$` anchors the end,
/// otherwise it is a prefix match.
fn pattern_matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let pieces: Vec<&str> = pattern.split('*').collect();
    let mut pos = 0usize;
    for (i, piece) in pieces.iter().enumerate() {
        if i == 0 {
            if !path.starts_with(piece) {
                return false;
            }
            pos = piece.len();
            continue;
        }
        let is_last = i == pieces.len() - 1;
        if is_last && anchored {
            // The last piece must end the path and not overlap what earlier pieces consumed.
            return path.len() >= pos + piece.len() && path.ends_with(piece);
        }
        match path[pos..].find(piece) {
            Some(found) => pos += found + piece.len(),
            None => return false,
        }
    }
    !anchored || pos == path.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
# comment
User-agent: *
Disallow: /private/
Allow: /private/public-note.html

User-agent: otherbot
Disallow: /

User-agent: pressgate
User-agent: someone-else
Disallow: /blocked/
Allow: /blocked/ok$
Disallow: /*.pdf$
Disallow: /search?*q=
";

    #[test]
    fn picks_our_group_over_wildcard() {
        let robots = Robots::parse(TEXT, "pressgate/0.1.0");
        assert!(!robots.is_allowed("/blocked/page"));
        assert!(robots.is_allowed("/blocked/ok"));
        assert!(!robots.is_allowed("/blocked/ok/more"));
        // The `*` group's rule does not apply to us since we have our own group.
        assert!(robots.is_allowed("/private/x"));
        assert!(!robots.is_allowed("/files/report.pdf"));
        assert!(robots.is_allowed("/files/report.pdf.html"));
        assert!(!robots.is_allowed("/search?lang=en&q=rust"));
        assert!(robots.is_allowed("/search?lang=en"));
        assert!(robots.is_allowed("/robots.txt"));
    }

    #[test]
    fn wildcard_group_and_longest_match() {
        let robots = Robots::parse(TEXT, "somebot");
        assert!(!robots.is_allowed("/private/secret.html"));
        assert!(robots.is_allowed("/private/public-note.html"));
        assert!(robots.is_allowed("/blocked/page"));
    }

    #[test]
    fn allow_wins_a_tie_and_empty_disallow_allows() {
        let robots = Robots::parse("User-agent: *\nDisallow: /a\nAllow: /a\n", "x");
        assert!(robots.is_allowed("/a"));
        let robots = Robots::parse("User-agent: *\nDisallow:\n", "x");
        assert!(robots.is_allowed("/anything"));
        assert!(!Robots::disallow_all().is_allowed("/"));
        assert!(Robots::allow_all().is_allowed("/"));
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches("/a*b$", "/axxb"));
        assert!(!pattern_matches("/a*b$", "/axxbc"));
        assert!(pattern_matches("/a*b", "/axxbc"));
        assert!(pattern_matches("/$", "/"));
        assert!(!pattern_matches("/$", "/x"));
        assert!(pattern_matches("*", "/x"));
    }
}
