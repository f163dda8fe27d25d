//! Hugging Face chat templates (Jinja) rendered with minijinja, configured like `transformers`'
//! `apply_chat_template`: `trim_blocks` and `lstrip_blocks`, loop controls, Python string methods,
//! and the `raise_exception`, `strftime_now` and `tojson` helpers.
use std::fmt::Write as _;

use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, ErrorKind};

use crate::error::{Error, Result};

const TEMPLATE_NAME: &str = "chat_template";
/// Marks errors raised by the template itself, to tell them from template bugs.
const RAISED_MARKER: &str = "chat template raised: ";

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> ChatMessage {
        ChatMessage {
            role: role.into(),
            content: content.into(),
        }
    }
    pub fn system(content: impl Into<String>) -> ChatMessage {
        ChatMessage::new("system", content)
    }
    pub fn user(content: impl Into<String>) -> ChatMessage {
        ChatMessage::new("user", content)
    }
    pub fn assistant(content: impl Into<String>) -> ChatMessage {
        ChatMessage::new("assistant", content)
    }
}

/// A compiled chat template with its BOS/EOS strings.
pub struct ChatTemplate {
    env: Environment<'static>,
    bos_token: String,
    eos_token: String,
}

impl std::fmt::Debug for ChatTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatTemplate")
            .field("bos_token", &self.bos_token)
            .field("eos_token", &self.eos_token)
            .finish()
    }
}

impl ChatTemplate {
    /// Compile `template`; a syntax error is reported with its line.
    pub fn new(
        template: impl Into<String>,
        bos_token: impl Into<String>,
        eos_token: impl Into<String>,
    ) -> Result<ChatTemplate> {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .map_err(|e| Error::Other(anyhow::anyhow!("chat template syntax: {e}")))?,
        );
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function("raise_exception", raise_exception);
        env.add_function("strftime_now", strftime_now);
        env.add_filter("tojson", tojson);
        env.add_template_owned(TEMPLATE_NAME, template.into())
            .map_err(|e| Error::Usage(format!("invalid chat template: {}", describe(&e))))?;
        Ok(ChatTemplate {
            env,
            bos_token: bos_token.into(),
            eos_token: eos_token.into(),
        })
    }

    /// The template of a GGUF model (`tokenizer.chat_template`), with BOS/EOS strings taken from
    /// its vocabulary (empty when the model defines none).
    pub fn from_gguf(file: &crate::llm::gguf::GgufFile) -> Result<ChatTemplate> {
        let template = file.get_str("tokenizer.chat_template").map_err(|_| {
            Error::input(
                file.path(),
                "the model has no chat template (tokenizer.chat_template)",
            )
        })?;
        let tokens = file.get_str_array("tokenizer.ggml.tokens")?;
        let token = |key: &str| -> String {
            file.get_u32(key)
                .ok()
                .and_then(|id| tokens.get(id as usize))
                .map_or_else(String::new, |t| t.to_string())
        };
        ChatTemplate::new(
            template,
            token("tokenizer.ggml.bos_token_id"),
            token("tokenizer.ggml.eos_token_id"),
        )
        .map_err(|e| Error::input(file.path(), e.to_string()))
    }

    /// Render `messages`; with `add_generation_prompt` the output ends with the assistant header.
    /// A template's `raise_exception` (e.g. roles out of order) becomes an [`Error::Usage`].
    pub fn render(&self, messages: &[ChatMessage], add_generation_prompt: bool) -> Result<String> {
        self.render_with_tools(messages, None, add_generation_prompt)
    }

    /// [`render`](Self::render) with `tools` (a JSON list of function schemas) for templates
    /// that describe tools in the system prompt.
    pub fn render_with_tools(
        &self,
        messages: &[ChatMessage],
        tools: Option<&serde_json::Value>,
        add_generation_prompt: bool,
    ) -> Result<String> {
        let template = self
            .env
            .get_template(TEMPLATE_NAME)
            .map_err(|e| Error::Other(anyhow::anyhow!("chat template: {}", describe(&e))))?;
        template
            .render(minijinja::context! {
                messages => Value::from(minijinja::value::Serde(messages)),
                add_generation_prompt => add_generation_prompt,
                tools => tools.map(|t| Value::from(minijinja::value::Serde(t))),
                bos_token => &self.bos_token,
                eos_token => &self.eos_token,
            })
            .map_err(|e| {
                let detail = e.detail().unwrap_or_default();
                match detail.strip_prefix(RAISED_MARKER) {
                    Some(message) => Error::Usage(format!(
                        "the model's chat template rejected the conversation: {message}"
                    )),
                    None => Error::Usage(format!(
                        "rendering the chat template failed: {}",
                        describe(&e)
                    )),
                }
            })
    }
}

/// The error with its template line, when known.
fn describe(e: &minijinja::Error) -> String {
    match e.line() {
        Some(line) => format!("{e} (line {line})"),
        None => e.to_string(),
    }
}

fn raise_exception(message: String) -> std::result::Result<Value, minijinja::Error> {
    Err(minijinja::Error::new(
        ErrorKind::InvalidOperation,
        format!("{RAISED_MARKER}{message}"),
    ))
}

/// `strftime_now(format)`: the local time formatted with C strftime codes.
fn strftime_now(format: String) -> std::result::Result<String, minijinja::Error> {
    let mut out = String::new();
    write!(out, "{}", chrono::Local::now().format(&format)).map_err(|_| {
        minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("strftime_now: invalid format {format:?}"),
        )
    })?;
    Ok(out)
}

/// `tojson` as `transformers` defines it: Python's `json.dumps(x, ensure_ascii=False)` spacing
/// (`", "` and `": "`), optional `indent` and `sort_keys`, and no HTML escaping.
fn tojson(value: &Value, kwargs: Kwargs) -> std::result::Result<Value, minijinja::Error> {
    let indent: Option<usize> = kwargs.get("indent")?;
    let sort_keys: Option<bool> = kwargs.get("sort_keys")?;
    let ensure_ascii: Option<bool> = kwargs.get("ensure_ascii")?;
    kwargs.assert_all_used()?;
    let json = serde_json::to_value(value).map_err(|e| {
        minijinja::Error::new(ErrorKind::InvalidOperation, "tojson: cannot serialize")
            .with_source(e)
    })?;
    let mut out = String::new();
    write_python_json(
        &mut out,
        &json,
        &PythonJsonStyle {
            indent,
            sort_keys: sort_keys.unwrap_or(false),
            ensure_ascii: ensure_ascii.unwrap_or(false),
        },
        0,
    );
    Ok(Value::from_safe_string(out))
}

struct PythonJsonStyle {
    indent: Option<usize>,
    sort_keys: bool,
    ensure_ascii: bool,
}

fn write_python_json(
    out: &mut String,
    value: &serde_json::Value,
    style: &PythonJsonStyle,
    depth: usize,
) {
    use serde_json::Value as J;
    let newline = |out: &mut String, depth: usize| {
        if let Some(n) = style.indent {
            out.push('\n');
            out.push_str(&" ".repeat(n * depth));
        }
    };
    // Python uses ", " between items without indent, "," (then a newline) with it.
    let item_separator = if style.indent.is_some() { "," } else { ", " };
    match value {
        J::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_separator);
                }
                newline(out, depth + 1);
                write_python_json(out, item, style, depth + 1);
            }
            newline(out, depth);
            out.push(']');
        }
        J::Object(map) if !map.is_empty() => {
            let mut entries: Vec<_> = map.iter().collect();
            if style.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(item_separator);
                }
                newline(out, depth + 1);
                write_json_string(out, key, style.ensure_ascii);
                out.push_str(": ");
                write_python_json(out, item, style, depth + 1);
            }
            newline(out, depth);
            out.push('}');
        }
        J::String(s) => write_json_string(out, s, style.ensure_ascii),
        other => out.push_str(&other.to_string()),
    }
}

fn write_json_string(out: &mut String, s: &str, ensure_ascii: bool) {
    let quoted = serde_json::Value::String(s.to_string()).to_string();
    if !ensure_ascii {
        out.push_str(&quoted);
        return;
    }
    for c in quoted.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/llm/templates")
            .join(name);
        std::fs::read_to_string(path).unwrap()
    }

    // Expected strings below were rendered by `transformers`' own chat-template code (Jinja2 with
    // trim_blocks/lstrip_blocks) from the same fixture files.

    #[test]
    fn smollm2_template_matches_transformers() {
        let t = ChatTemplate::new(fixture("smollm2.jinja"), "<|im_start|>", "<|im_end|>").unwrap();
        let out = t
            .render(
                &[
                    ChatMessage::system("You are a careful fact checker."),
                    ChatMessage::user("Hi"),
                ],
                true,
            )
            .unwrap();
        assert_eq!(
            out,
            "<|im_start|>system\nYou are a careful fact checker.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
        let out = t
            .render(
                &[
                    ChatMessage::user("What is 2+2?"),
                    ChatMessage::assistant("4"),
                    ChatMessage::user("Thanks"),
                ],
                false,
            )
            .unwrap();
        assert_eq!(
            out,
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\nThanks<|im_end|>\n"
        );
    }

    #[test]
    fn smollm2_template_from_the_real_gguf_is_the_fixture() {
        let Some(path) = crate::llm::gguf::real_gguf_or_skip("smollm2_template_from_gguf") else {
            return;
        };
        let file = crate::llm::gguf::GgufFile::open(path).unwrap();
        assert_eq!(
            file.get_str("tokenizer.chat_template").unwrap(),
            fixture("smollm2.jinja")
        );
    }

    #[test]
    fn gguf_template_renders_with_its_own_special_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.gguf");
        crate::llm::gguf::write_tiny_llama(&path, 3).unwrap();
        let file = crate::llm::gguf::GgufFile::open(&path).unwrap();
        let t = ChatTemplate::from_gguf(&file).unwrap();
        assert_eq!(
            (t.bos_token.as_str(), t.eos_token.as_str()),
            ("<|im_start|>", "<|im_end|>")
        );
        assert_eq!(
            t.render(&[ChatMessage::user("Hi")], true).unwrap(),
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
        let mut w = crate::llm::gguf::GgufWriter::new();
        w.add_metadata(
            "general.architecture",
            crate::llm::gguf::MetaValue::String("llama".into()),
        );
        w.write(&path).unwrap();
        let err = ChatTemplate::from_gguf(&crate::llm::gguf::GgufFile::open(&path).unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no chat template"), "{err}");
    }

    #[test]
    fn qwen25_chatml_template_matches_transformers() {
        let t = ChatTemplate::new(fixture("qwen2.5.jinja"), "", "<|im_end|>").unwrap();
        let out = t
            .render(
                &[
                    ChatMessage::system("You are a helpful assistant."),
                    ChatMessage::user("Hi"),
                ],
                true,
            )
            .unwrap();
        assert_eq!(
            out,
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
        let out = t
            .render(
                &[
                    ChatMessage::user("Hi"),
                    ChatMessage::assistant("Hello!"),
                    ChatMessage::user("Bye"),
                ],
                true,
            )
            .unwrap();
        assert_eq!(
            out,
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn qwen25_tools_use_python_style_tojson() {
        let t = ChatTemplate::new(fixture("qwen2.5.jinja"), "", "<|im_end|>").unwrap();
        let tools = serde_json::json!([{"type": "function", "function": {"name": "get_weather",
            "description": "Weather in a city", "parameters": {"type": "object",
            "properties": {"city": {"type": "string", "description": "Zürich or <other>"}},
            "required": ["city"]}}}]);
        let out = t
            .render_with_tools(&[ChatMessage::user("Weather?")], Some(&tools), true)
            .unwrap();
        assert_eq!(
            out,
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Weather in a city\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"description\": \"Zürich or <other>\"}}, \"required\": [\"city\"]}}}\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n<|im_start|>user\nWeather?<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn mistral_inst_template_and_its_exceptions() {
        let t = ChatTemplate::new(fixture("mistral_inst.jinja"), "<s>", "</s>").unwrap();
        let out = t
            .render(
                &[
                    ChatMessage::user("Hi"),
                    ChatMessage::assistant("Hello!"),
                    ChatMessage::user("Summarise this."),
                ],
                false,
            )
            .unwrap();
        assert_eq!(
            out,
            "<s>[INST] Hi [/INST]Hello!</s>[INST] Summarise this. [/INST]"
        );
        for conversation in [
            vec![ChatMessage::system("x"), ChatMessage::user("Hi")],
            vec![ChatMessage::user("x"), ChatMessage::user("Hi")],
        ] {
            let err = t.render(&conversation, false).unwrap_err();
            assert!(matches!(err, Error::Usage(_)), "{err:?}");
            assert_eq!(
                err.to_string(),
                "the model's chat template rejected the conversation: Conversation roles must alternate user/assistant/user/assistant/..."
            );
        }
    }

    #[test]
    fn helpers_behave_like_transformers() {
        let source = "{{ x | tojson(indent=2) }}|{{ x | tojson }}|{{ '  a b '.strip() }}|{{ 'abc'.startswith('a') }}|{% for i in [1,2,3] %}{% if i == 2 %}{% continue %}{% endif %}{{ i }}{% endfor %}";
        let t = ChatTemplate::new(source, "", "").unwrap();
        let template = t.env.get_template(TEMPLATE_NAME).unwrap();
        let x = serde_json::json!({"b": [1, 2.5, "é"], "a": null, "c": {}, "d": true});
        let out = template
            .render(minijinja::context! { x => Value::from(minijinja::value::Serde(&x)) })
            .unwrap();
        // Same string as Jinja2 under transformers.
        assert_eq!(
            out,
            "{\n  \"b\": [\n    1,\n    2.5,\n    \"é\"\n  ],\n  \"a\": null,\n  \"c\": {},\n  \"d\": true\n}|{\"b\": [1, 2.5, \"é\"], \"a\": null, \"c\": {}, \"d\": true}|a b|True|13"
        );
        let year = ChatTemplate::new("{{ strftime_now('%Y') }}", "", "")
            .unwrap()
            .render(&[], false)
            .unwrap();
        assert_eq!(year.len(), 4);
        assert!(year.starts_with("20"), "{year}");
        let err = ChatTemplate::new("{{ strftime_now('%Q') }}", "", "")
            .unwrap()
            .render(&[], false)
            .unwrap_err();
        assert!(err.to_string().contains("invalid format"), "{err}");
        let err = ChatTemplate::new("{% for %}", "", "").unwrap_err();
        assert!(err.to_string().contains("invalid chat template"), "{err}");
    }
}
