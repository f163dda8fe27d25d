use super::*;
use crate::doc::html_tree::{self, Edge, NodeData};
use crate::test_fixtures::Stream;

/// The whole tree as text: every node, element names with namespace, every attribute.
fn outline(tree: &HtmlTree) -> String {
    let mut out = String::new();
    for edge in tree.traverse() {
        match edge {
            Edge::Open(id) => match tree.data(id) {
                NodeData::Document => out.push_str("#doc("),
                NodeData::Fragment => out.push_str("#frag("),
                NodeData::Element(e) => {
                    out.push_str(&format!("<{:?} {}", e.name.ns, e.name()));
                    for a in e.attributes() {
                        out.push_str(&format!(" {:?}={:?}", a.name, &*a.value));
                    }
                    out.push('(');
                }
                NodeData::Text(t) => out.push_str(&format!("{:?}", &t[..])),
                NodeData::Other => out.push('#'),
            },
            Edge::Close(id) => {
                if !matches!(tree.data(id), NodeData::Text(_) | NodeData::Other) {
                    out.push(')');
                }
            }
        }
    }
    out
}

/// The fast tree of `source` when it has one, after checking it against html5ever's.
fn fast_checked(source: &str) -> Option<String> {
    let scan = html_scan::scan(source, 0, source.len());
    let fast = parse(source, &scan)?;
    let slow = html_tree::parse_document(source, 4);
    let fast = outline(&fast);
    assert_eq!(fast, outline(&slow), "{source:?}");
    Some(fast)
}

const PAGE_HEAD: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>T &amp; U</title></head>\n<body>";

#[test]
fn well_formed_pages_take_the_fast_path_to_the_same_tree() {
    for body in [
        "<p>plain</p>",
        "<nav><a href=\"/\">Home</a> <a href=/x>X</a></nav><main><article><h1>T</h1><p>a <b>b</b> <em>c</em>.</p></article></main>",
        "<p>It&#x27;s &amp; &lt;b&gt; &copy; &#169; &nbsp;&NotEqualTilde; &ngE; x & y &, &;</p>",
        "<ul><li>1</li><li>2<ul><li>3</li></ul></li></ul><ol start=3><li value=7>x</li></ol>",
        "<dl><dt>t</dt><dd>d</dd></dl><pre>\ncode\n</pre><pre>\n\nx</pre><pre>y</pre><listing>\nl</listing>",
        "<p>x<br>y<img src=a.png alt=\"A &quot;b&quot;\"><wbr/></p><hr><h2 id=a CLASS=B class=c>h</h2>",
        "<!-- c --><p>a<!----><!-->b<!--->c</p><script type=\"application/ld+json\">{\"a\":\"<b>\"}</script><style>p{}</style>",
        "<div><p>a</p>\n<blockquote><p>q</p></blockquote><figure><img src=x><figcaption>c</figcaption></figure></div>",
        "<p><sup><a href=\"#r1\">1</a></sup> <span class=byline>By <a rel=author href=/a>A</a></span><time datetime=2024-01-01>d</time></p>",
        "<b><b><b><b>deep</b></b></b></b><my-widget data-x=1>w</my-widget>",
        "<p>t</p></body>\n</html>\n",
        "<p>t</p></body><!-- after body -->\n</html><!-- after html -->\n",
        "<p>t</p></html>\n",
        "<p>unclosed <b>at the end",
        "<title>in &lt;body&gt;</title><p>x</p>",
        "<p a=1 A=2 b c=\"\" d='q' e = f/>x</p>",
    ] {
        let source = format!("{PAGE_HEAD}{body}");
        assert!(fast_checked(&source).is_some(), "{source:?}");
    }
}

#[test]
fn anything_html5ever_would_handle_differently_takes_the_slow_path() {
    for body in [
        "<p>a<div>b</div></p>",
        "<p>1<b>2<i>3</b>4</i>5</p>",
        "<a href=x>1<a>2</a></a>",
        "<table><tr><td>x</td></tr></table>",
        "<ul><li>1<li>2</ul>",
        "<li>1<span><li>2</li></span></li>",
        "<h1>a<h2>b</h2></h1>",
        "<p>a</p></p>",
        "<p>a</b></p>",
        "<div/>x",
        "<script/>x",
        "<p>&ampx; &notit; &#128; &#0; &#x110000; &#65</p>",
        "<p>a < b</p>",
        "<p>a<!-- x --!> b --></p>",
        "<p>a<!-- unclosed",
        "<p>x</p><svg><title>t</title></svg>",
        "<form><input></form>",
        "<noscript><p>n</p></noscript>",
        "<textarea>t</textarea>",
        "<pre>&#10;x</pre>",
        "<script><!-- <script></script> --></script>",
        "<p>x\r\ny</p>",
        "<p>x\0y</p>",
        "<p>x</p></body><p>late</p>",
        "<p>x</p></body></body>",
        "<p>unterminated <a href=\"x",
        "<body class=again>",
    ] {
        let source = format!("{PAGE_HEAD}{body}");
        assert!(fast_checked(&source).is_none(), "{source:?}");
    }
    for source in [
        "",
        "<p>no doctype</p>",
        "\u{feff}<!doctype html><html><head></head><body>",
        "<!doctype html><p>implied html</p>",
        "<!doctype html><html><p>implied head</p>",
        "<!doctype html><html><head><p>implied body</p>",
        "<!doctype html><html><head></head>text",
        "<!doctype html><html><head></head>",
        "<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.01//EN\"><html><head></head><body>",
        "<!-- first --><!doctype html><html><head></head><body>",
    ] {
        assert!(fast_checked(source).is_none(), "{source:?}");
    }
}

#[test]
fn fixture_pages_get_the_same_tree_either_way() {
    let mut fast = 0;
    for (path, text) in crate::test_fixtures::fixture_texts(&["html", "htm"]) {
        let scan = html_scan::scan(&text, 0, text.len());
        if let Some(tree) = parse(&text, &scan) {
            let slow = html_tree::parse_document(&text, 4);
            assert_eq!(outline(&tree), outline(&slow), "{path}");
            fast += 1;
        }
    }
    assert!(fast > 0, "no fixture page took the fast path");
}

/// Pieces generated pages are made of: tags the fast path takes and tags it leaves to
/// html5ever, references it decodes and ones it does not, whitespace, comments, raw text.
const PIECES: &[&str] = &[
    "<p>",
    "</p>",
    "<div>",
    "</div>",
    "<b>",
    "</b>",
    "<i>",
    "</i>",
    "<a href=\"#r\">",
    "<a>",
    "</a>",
    "<ul>",
    "</ul>",
    "<li>",
    "</li>",
    "<dl>",
    "<dt>",
    "<dd>",
    "</dd>",
    "<h2>",
    "</h2>",
    "<h3 id=x>",
    "</h3>",
    "<span class=\"A b\">",
    "</span>",
    "<pre>",
    "</pre>",
    "\n",
    "  ",
    "text",
    "more words",
    "&amp;",
    "&lt;",
    "&quot;",
    "&#39;",
    "&#x27;",
    "&nbsp;",
    "&copy",
    "&unknownname;",
    "&#x80;",
    "& ",
    "<br>",
    "<br/>",
    "</br>",
    "<img src=x alt='a&amp;b'>",
    "<hr>",
    "<!-- c -->",
    "<table>",
    "<td>",
    "</table>",
    "<script>x<y</script>",
    "<style>a>b{}</style>",
    "<title>t&amp;</title>",
    "<sup>",
    "</sup>",
    "<em>",
    "</em>",
    "<P CLASS=x Class=y>",
    "<x-y>",
    "</x-y>",
    "<form>",
    "</form>",
    "<blockquote>",
    "</blockquote>",
    "é",
    "\u{a0}",
    "<",
    ">",
    "<meta name=a content=b>",
];

#[test]
fn generated_pages_get_the_same_tree_either_way() {
    let mut stream = Stream(9);
    let mut fast = 0;
    for round in 0..3000 {
        let mut source = String::from(PAGE_HEAD);
        // Fewer pieces in early rounds: short pages take the fast path more often.
        let pieces = 1 + stream.below(4 + round / 100);
        for _ in 0..pieces {
            source.push_str(PIECES[stream.below(PIECES.len())]);
        }
        match stream.below(4) {
            0 => source.push_str("</body></html>\n"),
            1 => source.push_str("\n</body>\n</html>"),
            _ => {}
        }
        if fast_checked(&source).is_some() {
            fast += 1;
        }
    }
    assert!(fast > 150, "only {fast} generated pages took the fast path");
}

#[test]
fn character_references_decode_as_the_tokenizer_does() {
    assert_eq!(char_ref(b"&amp;x"), Some(Some(('&', None, 5))));
    assert_eq!(char_ref(b"&#x27;"), Some(Some(('\'', None, 6))));
    assert_eq!(char_ref(b"&#169;"), Some(Some(('©', None, 6))));
    assert_eq!(char_ref(b"&ngE;"), Some(Some(('≧', Some('\u{338}'), 5))));
    assert_eq!(char_ref(b"& b"), Some(None));
    assert_eq!(char_ref(b"&"), Some(None));
    assert_eq!(char_ref(b"&amp"), None);
    assert_eq!(char_ref(b"&#0;"), None);
    assert_eq!(char_ref(b"&#xD800;"), None);
    assert_eq!(char_ref(b"&#99999999;"), None);
    assert_eq!(char_ref(b"&nosuchname;"), None);
}
