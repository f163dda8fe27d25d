//! Option defaults written once, as the TOML that `rules explain` shows, and parsed from it.

/// The strings of a TOML array literal such as `["a", "b"]`; empty when it does not parse.
pub fn string_list(toml_array: &str) -> Vec<String> {
    toml::from_str::<toml::Table>(&format!("v = {toml_array}"))
        .ok()
        .and_then(|t| t.get("v").and_then(|v| v.as_array()).cloned())
        .map(|items| {
            items
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_toml_string_arrays() {
        assert_eq!(super::string_list(r#"["a", "b c"]"#), vec!["a", "b c"]);
        assert!(super::string_list("[1, ").is_empty());
    }
}
