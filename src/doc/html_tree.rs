//! The HTML tree of a page: html5ever's tree builder (so broken HTML parses by the standard's
//! rules) into a lean arena of our own, holding only what the walker reads: element names and
//! attributes as the tokenizer made them, text as the tokenizer's tendrils, and the links
//! between nodes. Every tree operation mirrors `scraper::Html::parse_document`'s sink (text
//! merged into an adjacent text node, a `<template>`'s contents as a fragment child), so the
//! walker sees the same tree; what it no longer pays for is scraper's per-element attribute
//! copy and sort, its id/class caches, and an atom made for every attribute lookup. Parse
//! errors are dropped instead of collected (nothing reads them).
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{local_name, ns, Attribute, QualName};
use std::borrow::Cow;
use std::cell::{Cell, Ref, RefCell};
use std::sync::LazyLock;

/// Index of a node in [`HtmlTree::nodes`].
pub(crate) type NodeId = usize;

/// Marks a missing link.
const NONE: NodeId = usize::MAX;

/// The document node.
pub(crate) const ROOT: NodeId = 0;

/// Nodes reserved at most before parsing (a few MB; articles use a few thousand).
const MAX_RESERVED_NODES: usize = 1 << 16;

/// What a node holds.
pub(crate) enum NodeData {
    Document,
    /// A `<template>`'s contents.
    Fragment,
    Element(Element),
    Text(StrTendril),
    /// Comment, doctype or processing instruction: nothing the walker reads, but kept as a
    /// node because it separates text nodes (no merging across it).
    Other,
}

pub(crate) struct Element {
    pub name: QualName,
    attrs: Vec<Attribute>,
}

impl Element {
    /// The local name (`p`, `a`, ...), lower-cased by the tokenizer.
    pub fn name(&self) -> &str {
        &self.name.local
    }

    /// The value of the HTML attribute `name` (no namespace, no prefix), as scraper's
    /// `Element::attr` finds it. A tag's attributes have distinct names (the tokenizer drops
    /// repeats, `add_attrs_if_missing` adds only missing ones), so the first match is the one.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name.prefix.is_none() && a.name.ns == ns!() && &*a.name.local == name)
            .map(|a| &*a.value)
    }
}

#[cfg(test)]
impl Element {
    /// Every attribute, in order.
    pub fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }
}

struct Node {
    parent: NodeId,
    prev: NodeId,
    next: NodeId,
    first: NodeId,
    last: NodeId,
    data: NodeData,
}

impl Node {
    fn orphan(data: NodeData) -> Node {
        Node {
            parent: NONE,
            prev: NONE,
            next: NONE,
            first: NONE,
            last: NONE,
            data,
        }
    }
}

fn link(id: NodeId) -> Option<NodeId> {
    (id != NONE).then_some(id)
}

/// A parsed page.
pub(crate) struct HtmlTree {
    nodes: Vec<Node>,
}

thread_local! {
    /// The emptied node vector of a dropped tree on this thread: the next page's tree is built
    /// in it instead of allocating (and the allocator merging) a page-sized block every time.
    static SPARE_NODES: Cell<Vec<Node>> = const { Cell::new(Vec::new()) };
}

/// Node vectors up to this capacity are kept for the next tree; bigger ones are freed.
const MAX_SPARE_NODES: usize = 1 << 14;

impl Drop for HtmlTree {
    fn drop(&mut self) {
        let mut nodes = std::mem::take(&mut self.nodes);
        if nodes.capacity() <= MAX_SPARE_NODES {
            nodes.clear();
            // During thread exit the slot may be gone: then the vector is simply freed.
            let _ = SPARE_NODES.try_with(|spare| spare.set(nodes));
        }
    }
}

/// A step of a depth-first walk: entering or leaving a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edge {
    Open(NodeId),
    Close(NodeId),
}

impl HtmlTree {
    pub fn data(&self, id: NodeId) -> &NodeData {
        &self.nodes[id].data
    }

    /// Every node reachable from the document, opened and closed in document order
    /// (iterative, so nesting depth costs no stack).
    pub fn traverse(&self) -> impl Iterator<Item = Edge> + '_ {
        self.traverse_from(ROOT)
    }

    fn traverse_from(&self, root: NodeId) -> impl Iterator<Item = Edge> + '_ {
        let mut next = Some(Edge::Open(root));
        std::iter::from_fn(move || {
            let edge = next?;
            next = match edge {
                Edge::Open(id) => Some(match link(self.nodes[id].first) {
                    Some(child) => Edge::Open(child),
                    None => Edge::Close(id),
                }),
                Edge::Close(id) if id == root => None,
                Edge::Close(id) => {
                    let node = &self.nodes[id];
                    match (link(node.next), link(node.parent)) {
                        (Some(sibling), _) => Some(Edge::Open(sibling)),
                        (None, Some(parent)) => Some(Edge::Close(parent)),
                        (None, None) => None,
                    }
                }
            };
            Some(edge)
        })
    }

    /// `id` and the nodes below it, in document order.
    pub fn descendants(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.traverse_from(id).filter_map(|edge| match edge {
            Edge::Open(node) => Some(node),
            Edge::Close(_) => None,
        })
    }
}

/// Parse `source` as a whole document. `start_tags` (from the source scan) sizes the tree: each
/// element is one node, with usually a text node inside and one (whitespace) after it. The
/// guess is capped so a tag-dense huge page reserves no more up front than a large article
/// needs; past that the tree grows as it fills.
pub(crate) fn parse_document(source: &str, start_tags: usize) -> HtmlTree {
    let capacity = start_tags
        .saturating_mul(3)
        .saturating_add(16)
        .min(MAX_RESERVED_NODES);
    let mut nodes = SPARE_NODES.try_with(Cell::take).unwrap_or_default();
    nodes.clear();
    nodes.reserve(capacity);
    nodes.push(Node::orphan(NodeData::Document));
    let sink = Sink {
        nodes: RefCell::new(nodes),
    };
    html5ever::driver::parse_document(sink, Default::default()).one(source)
}

/// Builds a tree node by node in document order, for [`super::html_fast`], which knows where
/// each node goes (no tree builder): elements and text are only ever appended as last children.
pub(crate) struct TreeWriter {
    /// Dropped unfinished (the page needs html5ever after all), its nodes go back to the spare.
    tree: HtmlTree,
}

impl TreeWriter {
    /// An empty document with room for `capacity` nodes (capped like [`parse_document`]'s).
    pub fn new(capacity: usize) -> TreeWriter {
        let mut nodes = SPARE_NODES.try_with(Cell::take).unwrap_or_default();
        nodes.clear();
        nodes.reserve(capacity.min(MAX_RESERVED_NODES));
        nodes.push(Node::orphan(NodeData::Document));
        TreeWriter {
            tree: HtmlTree { nodes },
        }
    }

    /// Append a new HTML element as the last child of `parent`.
    pub fn element(&mut self, parent: NodeId, name: QualName, attrs: Vec<Attribute>) -> NodeId {
        self.append(parent, NodeData::Element(Element { name, attrs }))
    }

    /// Append text to `parent`, merged into its last child when that is text (as the sink does).
    pub fn text(&mut self, parent: NodeId, text: StrTendril) {
        let nodes = &mut self.tree.nodes;
        let last = nodes[parent].last;
        if !push_text_into(nodes, last, &text) {
            self.append(parent, NodeData::Text(text));
        }
    }

    /// Append a comment or doctype node to `parent`.
    pub fn other(&mut self, parent: NodeId) {
        self.append(parent, NodeData::Other);
    }

    fn append(&mut self, parent: NodeId, data: NodeData) -> NodeId {
        let nodes = &mut self.tree.nodes;
        nodes.push(Node::orphan(data));
        let id = nodes.len() - 1;
        append_child(nodes, parent, id);
        id
    }

    pub fn finish(self) -> HtmlTree {
        self.tree
    }
}

/// The tree being built. html5ever calls the sink through `&self`, hence the `RefCell`; no
/// borrow is held across calls.
struct Sink {
    nodes: RefCell<Vec<Node>>,
}

/// What [`TreeSink::elem_name`] answers for a node that is not an element (the tree builder
/// never asks that; answering beats panicking).
static NO_NAME: LazyLock<QualName> =
    LazyLock::new(|| QualName::new(None, ns!(), html5ever::LocalName::from("")));

impl Sink {
    fn orphan(&self, data: NodeData) -> NodeId {
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(Node::orphan(data));
        nodes.len() - 1
    }
}

/// Unlink `id` from its parent and siblings (ego-tree's `detach`).
fn detach(nodes: &mut [Node], id: NodeId) {
    let (parent, prev, next) = {
        let node = &nodes[id];
        (node.parent, node.prev, node.next)
    };
    if parent == NONE {
        return;
    }
    if prev != NONE {
        nodes[prev].next = next;
    } else {
        nodes[parent].first = next;
    }
    if next != NONE {
        nodes[next].prev = prev;
    } else {
        nodes[parent].last = prev;
    }
    let node = &mut nodes[id];
    node.parent = NONE;
    node.prev = NONE;
    node.next = NONE;
}

/// Make `child` the last child of `parent`, moving it from wherever it was.
fn append_child(nodes: &mut [Node], parent: NodeId, child: NodeId) {
    if parent == child {
        return;
    }
    detach(nodes, child);
    let last = nodes[parent].last;
    nodes[child].parent = parent;
    nodes[child].prev = last;
    if last != NONE {
        nodes[last].next = child;
    } else {
        nodes[parent].first = child;
    }
    nodes[parent].last = child;
}

/// Put `child` just before `sibling`, which has a parent.
fn insert_before(nodes: &mut [Node], sibling: NodeId, child: NodeId) {
    if sibling == child {
        return;
    }
    detach(nodes, child);
    let parent = nodes[sibling].parent;
    let prev = nodes[sibling].prev;
    nodes[child].parent = parent;
    nodes[child].prev = prev;
    nodes[child].next = sibling;
    nodes[sibling].prev = child;
    if prev != NONE {
        nodes[prev].next = child;
    } else if parent != NONE {
        nodes[parent].first = child;
    }
}

/// Merge `text` into `id` when it is a text node; whether it was.
fn push_text_into(nodes: &mut [Node], id: NodeId, text: &StrTendril) -> bool {
    match nodes.get_mut(id).map(|n| &mut n.data) {
        Some(NodeData::Text(existing)) => {
            existing.push_tendril(text);
            true
        }
        _ => false,
    }
}

impl TreeSink for Sink {
    type Output = HtmlTree;
    type Handle = NodeId;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> HtmlTree {
        HtmlTree {
            nodes: self.nodes.into_inner(),
        }
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> NodeId {
        ROOT
    }

    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Ref<'a, QualName> {
        Ref::map(self.nodes.borrow(), |nodes| match nodes.get(*target) {
            Some(Node {
                data: NodeData::Element(element),
                ..
            }) => &element.name,
            _ => &NO_NAME,
        })
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, _: ElementFlags) -> NodeId {
        let is_template = name.ns == ns!(html) && name.local == local_name!("template");
        let id = self.orphan(NodeData::Element(Element { name, attrs }));
        if is_template {
            let contents = self.orphan(NodeData::Fragment);
            append_child(&mut self.nodes.borrow_mut(), id, contents);
        }
        id
    }

    fn create_comment(&self, _text: StrTendril) -> NodeId {
        self.orphan(NodeData::Other)
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> NodeId {
        self.orphan(NodeData::Other)
    }

    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        match child {
            NodeOrText::AppendNode(id) => append_child(&mut self.nodes.borrow_mut(), *parent, id),
            NodeOrText::AppendText(text) => {
                let mut nodes = self.nodes.borrow_mut();
                let last = nodes[*parent].last;
                if !push_text_into(&mut nodes, last, &text) {
                    nodes.push(Node::orphan(NodeData::Text(text)));
                    let id = nodes.len() - 1;
                    append_child(&mut nodes, *parent, id);
                }
            }
        }
    }

    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        let has_parent = self.nodes.borrow()[*element].parent != NONE;
        if has_parent {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(&self, _: StrTendril, _: StrTendril, _: StrTendril) {
        let id = self.orphan(NodeData::Other);
        append_child(&mut self.nodes.borrow_mut(), ROOT, id);
    }

    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        // The fragment made with the template; the template itself if it has none (a tree
        // builder bug, not an input one).
        link(self.nodes.borrow()[*target].first).unwrap_or(*target)
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        let mut nodes = self.nodes.borrow_mut();
        if let NodeOrText::AppendNode(id) = new_node {
            detach(&mut nodes, id);
        }
        if nodes[*sibling].parent == NONE {
            return;
        }
        match new_node {
            NodeOrText::AppendNode(id) => insert_before(&mut nodes, *sibling, id),
            NodeOrText::AppendText(text) => {
                let prev = nodes[*sibling].prev;
                if !push_text_into(&mut nodes, prev, &text) {
                    nodes.push(Node::orphan(NodeData::Text(text)));
                    let id = nodes.len() - 1;
                    insert_before(&mut nodes, *sibling, id);
                }
            }
        }
    }

    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        let mut nodes = self.nodes.borrow_mut();
        if let NodeData::Element(element) = &mut nodes[*target].data {
            for attr in attrs {
                if !element.attrs.iter().any(|a| a.name == attr.name) {
                    element.attrs.push(attr);
                }
            }
        }
    }

    fn remove_from_parent(&self, target: &NodeId) {
        detach(&mut self.nodes.borrow_mut(), *target);
    }

    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        let mut nodes = self.nodes.borrow_mut();
        if node == new_parent {
            return;
        }
        let mut child = nodes[*node].first;
        while child != NONE {
            let next = nodes[child].next;
            append_child(&mut nodes, *new_parent, child);
            child = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree as nested text: elements as `<name attr=value>`, text quoted.
    fn outline(tree: &HtmlTree) -> String {
        let mut out = String::new();
        for edge in tree.traverse() {
            match edge {
                Edge::Open(id) => match tree.data(id) {
                    NodeData::Document => out.push_str("#doc("),
                    NodeData::Fragment => out.push_str("#frag("),
                    NodeData::Element(e) => {
                        out.push('<');
                        out.push_str(e.name());
                        for key in ["href", "id", "class"] {
                            if let Some(v) = e.attr(key) {
                                out.push_str(&format!(" {key}={v}"));
                            }
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

    /// The same outline of scraper's tree for the same source.
    fn scraper_outline(source: &str) -> String {
        use ego_tree::iter::Edge as E;
        use scraper::Node as N;
        let html = scraper::Html::parse_document(source);
        let mut out = String::new();
        for edge in html.tree.root().traverse() {
            match edge {
                E::Open(node) => match node.value() {
                    N::Document => out.push_str("#doc("),
                    N::Fragment => out.push_str("#frag("),
                    N::Element(e) => {
                        out.push('<');
                        out.push_str(e.name());
                        for key in ["href", "id", "class"] {
                            if let Some(v) = e.attr(key) {
                                out.push_str(&format!(" {key}={v}"));
                            }
                        }
                        out.push('(');
                    }
                    N::Text(t) => out.push_str(&format!("{:?}", &t[..])),
                    _ => out.push('#'),
                },
                E::Close(node) => {
                    if !matches!(
                        node.value(),
                        N::Text(_) | N::Comment(_) | N::Doctype(_) | N::ProcessingInstruction(_)
                    ) {
                        out.push(')');
                    }
                }
            }
        }
        out
    }

    #[test]
    fn same_tree_as_scraper_on_broken_html() {
        // Misnested formatting (adoption agency), foster-parented table text, templates,
        // foreign content, implied and stray tags, attributes added by a second <html>/<body>.
        for source in [
            "",
            "plain",
            "<!doctype html><html lang=en><head><title>T</title></head><body><p>a<b>b</p>c</b>d",
            "<p>1<b>2<i>3</b>4</i>5</p>",
            "<a href=x>1<p>2</a>3</p>",
            "<table>x<tr>y<td>z</td>w</tr>v</table>after",
            "<table><tr><td>a</td></tr><b>bold</b></table>",
            "<template><p>in</p>t</template><p>out",
            "<svg><title>s</title><a xlink:href=l href=h>t</a></svg><math><mi>x</mi></math>",
            "<body id=a><body class=b><p>x</p><html id=c>",
            "<ul><li>1<li>2<ol><li>3</ul>4",
            "<p>a<!-- c -->b<?pi x?>c",
            "<select><option>1<option>2</select><textarea>t&amp;</textarea>",
            "<b><b><b><b><p>x</b>y",
            "<frameset><frame></frameset>text",
            "<table><caption>c<table>n</table></caption></table>",
            "<div><p>a</div>b<p>c<h2>d<h3>e</h2>f",
            "<script>if (a<b) x</script><style>p{}</style><noscript><p>n</p></noscript>",
            "\u{0}<p>\u{0}x\r\ny&#0;&copy&notit;",
        ] {
            let tree = parse_document(source, 4);
            assert_eq!(outline(&tree), scraper_outline(source), "{source:?}");
        }
    }

    #[test]
    fn descendants_start_at_the_node_and_stay_below_it() {
        let tree = parse_document("<p>a<b>b</b>c</p><p>d</p>", 4);
        let first_p = tree
            .traverse()
            .find_map(|edge| match edge {
                Edge::Open(id) => match tree.data(id) {
                    NodeData::Element(e) if e.name() == "p" => Some(id),
                    _ => None,
                },
                Edge::Close(_) => None,
            })
            .expect("a <p>");
        let text: String = tree
            .descendants(first_p)
            .filter_map(|id| match tree.data(id) {
                NodeData::Text(t) => Some(t.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(text, "abc");
        assert_eq!(tree.descendants(first_p).next(), Some(first_p));
    }
}
