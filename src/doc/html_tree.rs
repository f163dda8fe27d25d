//! The HTML tree of a page: html5ever's tree builder into scraper's tree, as
//! `scraper::Html::parse_document` builds it, with two costs taken out. The tree's node vector
//! is sized up front from the tag count (growing it copies every node several times over a
//! page), and parse errors are dropped instead of collected (nothing reads them).
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use scraper::{Html, HtmlTreeSink, Node};
use std::borrow::Cow;

/// Parse `source` as a whole document. `start_tags` (from the source scan) sizes the tree: each
/// element is one node, with usually a text node inside and one (whitespace) after it. The
/// guess is capped so a tag-dense huge page reserves no more up front than a large article
/// needs; past that the tree grows as it fills.
pub(crate) fn parse_document(source: &str, start_tags: usize) -> Html {
    let mut html = Html::new_document();
    let nodes = start_tags
        .saturating_mul(3)
        .saturating_add(16)
        .min(MAX_RESERVED_NODES);
    html.tree = ego_tree::Tree::with_capacity(Node::Document, nodes);
    html5ever::driver::parse_document(QuietSink(HtmlTreeSink::new(html)), Default::default())
        .one(source)
}

/// Nodes reserved at most before parsing (a few MB; articles use a few thousand).
const MAX_RESERVED_NODES: usize = 1 << 16;

/// scraper's sink without the parse-error log; every tree operation is scraper's own.
struct QuietSink(HtmlTreeSink);

impl TreeSink for QuietSink {
    type Output = Html;
    type Handle = <HtmlTreeSink as TreeSink>::Handle;
    type ElemName<'a> = <HtmlTreeSink as TreeSink>::ElemName<'a>;

    fn finish(self) -> Html {
        self.0.finish()
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> Self::Handle {
        self.0.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a Self::Handle) -> Self::ElemName<'a> {
        self.0.elem_name(target)
    }

    fn create_element(
        &self,
        name: QualName,
        attrs: Vec<Attribute>,
        flags: ElementFlags,
    ) -> Self::Handle {
        self.0.create_element(name, attrs, flags)
    }

    fn create_comment(&self, text: StrTendril) -> Self::Handle {
        self.0.create_comment(text)
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> Self::Handle {
        self.0.create_pi(target, data)
    }

    fn append(&self, parent: &Self::Handle, child: NodeOrText<Self::Handle>) {
        self.0.append(parent, child)
    }

    fn append_based_on_parent_node(
        &self,
        element: &Self::Handle,
        prev_element: &Self::Handle,
        child: NodeOrText<Self::Handle>,
    ) {
        self.0
            .append_based_on_parent_node(element, prev_element, child)
    }

    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.0
            .append_doctype_to_document(name, public_id, system_id)
    }

    fn mark_script_already_started(&self, node: &Self::Handle) {
        self.0.mark_script_already_started(node)
    }

    fn pop(&self, node: &Self::Handle) {
        self.0.pop(node)
    }

    fn get_template_contents(&self, target: &Self::Handle) -> Self::Handle {
        self.0.get_template_contents(target)
    }

    fn same_node(&self, x: &Self::Handle, y: &Self::Handle) -> bool {
        self.0.same_node(x, y)
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.0.set_quirks_mode(mode)
    }

    fn append_before_sibling(&self, sibling: &Self::Handle, new_node: NodeOrText<Self::Handle>) {
        self.0.append_before_sibling(sibling, new_node)
    }

    fn add_attrs_if_missing(&self, target: &Self::Handle, attrs: Vec<Attribute>) {
        self.0.add_attrs_if_missing(target, attrs)
    }

    fn associate_with_form(
        &self,
        target: &Self::Handle,
        form: &Self::Handle,
        nodes: (&Self::Handle, Option<&Self::Handle>),
    ) {
        self.0.associate_with_form(target, form, nodes)
    }

    fn remove_from_parent(&self, target: &Self::Handle) {
        self.0.remove_from_parent(target)
    }

    fn reparent_children(&self, node: &Self::Handle, new_parent: &Self::Handle) {
        self.0.reparent_children(node, new_parent)
    }

    fn is_mathml_annotation_xml_integration_point(&self, handle: &Self::Handle) -> bool {
        self.0.is_mathml_annotation_xml_integration_point(handle)
    }

    fn set_current_line(&self, line_number: u64) {
        self.0.set_current_line(line_number)
    }

    fn allow_declarative_shadow_roots(&self, intended_parent: &Self::Handle) -> bool {
        self.0.allow_declarative_shadow_roots(intended_parent)
    }

    fn attach_declarative_shadow(
        &self,
        location: &Self::Handle,
        template: &Self::Handle,
        attrs: &[Attribute],
    ) -> bool {
        self.0.attach_declarative_shadow(location, template, attrs)
    }

    fn maybe_clone_an_option_into_selectedcontent(&self, option: &Self::Handle) {
        self.0.maybe_clone_an_option_into_selectedcontent(option)
    }
}
