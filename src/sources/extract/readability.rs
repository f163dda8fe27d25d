//! Readability-style scoring: which subtrees are boilerplate (tag, ARIA role, class/id
//! hints), how paragraph-like blocks score their ancestors, and which container(s) hold the
//! main content.
use super::metadata::{clean, is_hidden};
use scraper::{ElementRef, Html};
use std::collections::HashMap;

/// Deepest element nesting followed; deeper content is ignored rather than risking the stack.
pub(super) const MAX_DEPTH: usize = 256;

pub(super) const BOILERPLATE_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "svg", "canvas", "object", "embed", "nav",
    "header", "footer", "aside", "form", "button", "select", "input", "textarea", "dialog", "menu",
    "head", "link", "meta",
];

pub(super) const BOILERPLATE_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "dialog",
    "alertdialog",
    "menu",
    "menubar",
];

/// Class/id words that mark boilerplate: such an element is dropped with its subtree.
pub(super) const NEGATIVE_HINTS: &[&str] = &[
    "menu",
    "sidebar",
    "footer",
    "header",
    "masthead",
    "banner",
    "cookie",
    "cookies",
    "consent",
    "gdpr",
    "comment",
    "comments",
    "disqus",
    "share",
    "sharing",
    "social",
    "related",
    "recommended",
    "newsletter",
    "subscribe",
    "signup",
    "promo",
    "sponsor",
    "sponsored",
    "advert",
    "advertisement",
    "ad",
    "ads",
    "breadcrumb",
    "breadcrumbs",
    "pagination",
    "pager",
    "popup",
    "modal",
    "widget",
    "skip",
    "toolbar",
    "tags",
    "signature",
    "actions",
    "outbrain",
    "taboola",
    "paywall",
    "meta",
    "controls",
    "suggested",
    "byline",
    "bio",
    "announcement",
];

/// Class/id words that only lower a container's score: layout wrappers are often named after
/// the navigation they sit beside (`wy-grid-for-nav`), so they are not dropped for it.
pub(super) const WEAK_NEGATIVE_HINTS: &[&str] = &["nav", "navbar", "navigation", "aside", "toc"];

/// Class/id words that say "this element is the text itself"; they save an element from the
/// negative hints (`comment-body`, `wy-nav-content`).
pub(super) const SAVING_HINTS: &[&str] = &[
    "article", "content", "main", "body", "text", "prose", "markdown", "message", "story",
];

/// Class/id words that mark content containers; they add to an element's score.
pub(super) const POSITIVE_HINTS: &[&str] = &[
    "article",
    "content",
    "main",
    "body",
    "text",
    "entry",
    "post",
    "story",
    "prose",
    "markdown",
    "blog",
    "docs",
    "documentation",
    "message",
    "thread",
    "topic",
];

/// Blocks whose text is a paragraph of content.
pub(super) const BLOCK_TAGS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "pre",
    "blockquote",
    "dd",
    "dt",
    "figcaption",
    "td",
    "th",
    "table",
    "ul",
    "ol",
    "dl",
    "div",
    "section",
    "article",
    "main",
    "figure",
    "hr",
    "tr",
    "tbody",
    "thead",
    "details",
    "summary",
    "address",
];

pub(super) fn hint_words(element: &ElementRef<'_>) -> Vec<String> {
    let value = element.value();
    let mut words = Vec::new();
    for attr in [value.attr("class"), value.attr("id")]
        .into_iter()
        .flatten()
    {
        words.extend(
            attr.split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_ascii_lowercase),
        );
    }
    words
}

/// Whether `element` and everything in it is boilerplate.
pub(super) fn is_boilerplate(element: &ElementRef<'_>) -> bool {
    let value = element.value();
    let name = value.name();
    if matches!(name, "html" | "body") {
        return false;
    }
    if BOILERPLATE_TAGS.contains(&name) || is_hidden(element) {
        return true;
    }
    if value
        .attr("role")
        .is_some_and(|r| BOILERPLATE_ROLES.contains(&r.to_ascii_lowercase().as_str()))
    {
        return true;
    }
    if matches!(name, "article" | "main") {
        return false;
    }
    let words = hint_words(element);
    words.iter().any(|w| NEGATIVE_HINTS.contains(&w.as_str()))
        && !words.iter().any(|w| SAVING_HINTS.contains(&w.as_str()))
}

pub(super) fn class_weight(element: &ElementRef<'_>) -> f64 {
    let words = hint_words(element);
    let mut weight = 0.0;
    if words.iter().any(|w| POSITIVE_HINTS.contains(&w.as_str())) {
        weight += 25.0;
    }
    if words
        .iter()
        .any(|w| NEGATIVE_HINTS.contains(&w.as_str()) || WEAK_NEGATIVE_HINTS.contains(&w.as_str()))
    {
        weight -= 25.0;
    }
    weight
}

pub(super) fn tag_weight(name: &str) -> f64 {
    match name {
        "article" | "main" => 10.0,
        "div" | "section" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    }
}

/// Visible text of an element and how much of it sits inside links.
pub(super) fn text_stats(element: &ElementRef<'_>) -> (usize, usize) {
    fn walk(
        node: ego_tree::NodeRef<'_, scraper::Node>,
        in_link: bool,
        depth: usize,
        acc: &mut (usize, usize),
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        for child in node.children() {
            match child.value() {
                scraper::Node::Text(text) => {
                    let n = text.trim().chars().count();
                    acc.0 += n;
                    if in_link {
                        acc.1 += n;
                    }
                }
                scraper::Node::Element(_) => {
                    if let Some(el) = ElementRef::wrap(child) {
                        if !is_boilerplate(&el) {
                            walk(child, in_link || el.value().name() == "a", depth + 1, acc);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut acc = (0, 0);
    walk(**element, false, 0, &mut acc);
    acc
}

pub(super) fn link_density(element: &ElementRef<'_>) -> f64 {
    let (total, linked) = text_stats(element);
    if total == 0 {
        0.0
    } else {
        linked as f64 / total as f64
    }
}

pub(super) fn has_block_child(element: &ElementRef<'_>) -> bool {
    element
        .child_elements()
        .any(|c| BLOCK_TAGS.contains(&c.value().name()))
}

/// Score containers by the paragraphs under them.
pub(super) fn score_candidates<'a>(
    root: ElementRef<'a>,
) -> HashMap<ego_tree::NodeId, (ElementRef<'a>, f64)> {
    let mut scores: HashMap<ego_tree::NodeId, (ElementRef<'a>, f64)> = HashMap::new();
    let mut stack: Vec<(ElementRef<'a>, usize)> = vec![(root, 0)];
    while let Some((element, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            continue;
        }
        for child in element.child_elements() {
            if !is_boilerplate(&child) {
                stack.push((child, depth + 1));
            }
        }
        let name = element.value().name();
        let paragraph_like = matches!(name, "p" | "pre" | "td" | "blockquote" | "dd")
            || (matches!(name, "div" | "section" | "li") && !has_block_child(&element));
        if !paragraph_like {
            continue;
        }
        let text = clean(&element.text().collect::<String>());
        let len = text.chars().count();
        if len < 25 {
            continue;
        }
        let content_score = 1.0 + text.matches(',').count() as f64 + (len as f64 / 100.0).min(3.0);
        let mut ancestor = element.parent().and_then(ElementRef::wrap);
        for level in 0..3 {
            let Some(anc) = ancestor else { break };
            if matches!(anc.value().name(), "html") {
                break;
            }
            let entry = scores
                .entry(anc.id())
                .or_insert_with(|| (anc, tag_weight(anc.value().name()) + class_weight(&anc)));
            // Parent gets the full score, grandparent half, great-grandparent a third.
            entry.1 += content_score / (level as f64 + 1.0);
            ancestor = anc.parent().and_then(ElementRef::wrap);
        }
    }
    for (element, score) in scores.values_mut() {
        *score *= 1.0 - link_density(element);
    }
    scores
}

pub(super) fn is_ancestor_of(ancestor: &ElementRef<'_>, node: &ElementRef<'_>) -> bool {
    node.ancestors().any(|a| a.id() == ancestor.id())
}

/// The container(s) holding the main content, in document order.
pub(super) fn main_content<'a>(html: &'a Html) -> Vec<ElementRef<'a>> {
    let root = html.root_element();
    let body = scraper::Selector::parse("body")
        .ok()
        .and_then(|s| html.select(&s).next())
        .unwrap_or(root);
    let scores = score_candidates(body);
    let mut ranked: Vec<&(ElementRef<'a>, f64)> = scores.values().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let Some(&&(top, top_score)) = ranked.first() else {
        return vec![body];
    };
    if top_score <= 0.0 {
        return vec![body];
    }
    // Several near-equal candidates (posts of a thread, sections of a page): take the lowest
    // ancestor holding at least three of them.
    let alike: Vec<ElementRef<'a>> = ranked
        .iter()
        .skip(1)
        .filter(|(_, s)| *s >= top_score * 0.75)
        .map(|(e, _)| *e)
        .filter(|e| !is_ancestor_of(e, &top) && !is_ancestor_of(&top, e))
        .collect();
    let mut best = top;
    if alike.len() >= 2 {
        for ancestor in top.ancestors().filter_map(ElementRef::wrap) {
            if ancestor.value().name() == "html" {
                break;
            }
            let held = alike
                .iter()
                .filter(|e| is_ancestor_of(&ancestor, e))
                .count();
            if held >= 2 {
                best = ancestor;
                break;
            }
        }
    }
    // Siblings that score well or read like content belong to the article too.
    let best_score = scores.get(&best.id()).map_or(top_score, |(_, s)| *s);
    let Some(parent) = best.parent().and_then(ElementRef::wrap) else {
        return vec![best];
    };
    let threshold = (best_score * 0.2).max(10.0);
    parent
        .child_elements()
        .filter(|sibling| {
            if sibling.id() == best.id() {
                return true;
            }
            if is_boilerplate(sibling) {
                return false;
            }
            if scores
                .get(&sibling.id())
                .is_some_and(|(_, s)| *s >= threshold)
            {
                return true;
            }
            if sibling.value().name() == "p" {
                let text = clean(&sibling.text().collect::<String>());
                let density = link_density(sibling);
                let len = text.chars().count();
                return (len > 80 && density < 0.25)
                    || (len > 0 && density == 0.0 && text.ends_with('.'));
            }
            false
        })
        .collect()
}
