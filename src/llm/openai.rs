//! A chat backend for any OpenAI-compatible server (vLLM, llama.cpp server, TGI, OpenAI):
//! `POST {base}/v1/chat/completions`, with a request timeout, retries with backoff on 429 and
//! 5xx answers and connection errors, and token usage from the response.
use crate::error::{Error, Result};
use crate::llm::backend::{ChatBackend, ChatReply, ChatRequest, FinishReason};
use crate::sources::retry;
use serde_json::{json, Value};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Settings of an OpenAI-compatible endpoint.
#[derive(Debug, Clone)]
pub struct OpenAiOptions {
    /// Server root, with or without the trailing `/v1` (`http://localhost:8000`).
    pub base_url: String,
    pub model: String,
    /// Bearer token; `None` sends no `Authorization` header (local servers).
    pub api_key: Option<String>,
    /// Whole request, from connecting to the last byte.
    pub timeout: Duration,
    /// Retries after a 429, a 5xx or a connection error.
    pub max_retries: u32,
    /// First backoff without `Retry-After`; doubles each retry.
    pub retry_base: Duration,
    pub max_retry_wait: Duration,
}

impl OpenAiOptions {
    /// Defaults for `model` at `base_url`, with the key from `OPENAI_API_KEY` when set.
    pub fn new(base_url: &str, model: &str) -> OpenAiOptions {
        OpenAiOptions {
            base_url: base_url.to_string(),
            model: model.to_string(),
            api_key: std::env::var("OPENAI_API_KEY")
                .ok()
                .filter(|k| !k.trim().is_empty()),
            timeout: Duration::from_secs(120),
            max_retries: 3,
            retry_base: Duration::from_millis(500),
            max_retry_wait: Duration::from_secs(30),
        }
    }
}

/// The endpoint URL for chat completions under `base_url`.
pub fn completions_url(base_url: &str) -> Result<String> {
    let base = base_url.trim().trim_end_matches('/');
    let parsed =
        url::Url::parse(base).map_err(|e| Error::Usage(format!("--base-url `{base_url}`: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::Usage(format!(
            "--base-url `{base_url}`: must be http(s)"
        )));
    }
    Ok(if base.ends_with("/v1") {
        format!("{base}/chat/completions")
    } else {
        format!("{base}/v1/chat/completions")
    })
}

/// One OpenAI-compatible endpoint. Cheap to clone: `--jobs N` uses N clones sharing one
/// connection pool.
#[derive(Clone)]
pub struct OpenAiBackend {
    options: OpenAiOptions,
    url: String,
    client: reqwest::blocking::Client,
}

/// What one HTTP attempt gave.
enum Attempt {
    Done(ChatReply),
    Retry {
        reason: String,
        wait: Option<Duration>,
    },
}

impl OpenAiBackend {
    pub fn new(options: OpenAiOptions) -> Result<OpenAiBackend> {
        let url = completions_url(&options.base_url)?;
        let client = reqwest::blocking::Client::builder()
            .user_agent(crate::sources::fetch::USER_AGENT)
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| Error::Other(anyhow::anyhow!("cannot build the HTTP client: {e}")))?;
        Ok(OpenAiBackend {
            options,
            url,
            client,
        })
    }

    fn body(&self, request: &ChatRequest) -> Value {
        let mut messages = Vec::new();
        if let Some(system) = &request.system {
            messages.push(json!({"role": "system", "content": system}));
        }
        messages.push(json!({"role": "user", "content": request.user}));
        let mut body = json!({
            "model": self.options.model,
            "messages": messages,
            "max_tokens": request.max_new_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
            "seed": request.seed,
            "stream": false,
        });
        if !request.stop.is_empty() {
            // The API accepts at most four stop sequences.
            body["stop"] = json!(request.stop.iter().take(4).collect::<Vec<_>>());
        }
        body
    }

    fn attempt(&self, body: &Value, started: Instant) -> Result<Attempt> {
        let mut builder = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(key) = &self.options.api_key {
            builder = builder.bearer_auth(key);
        }
        let response = match builder.send() {
            Ok(r) => r,
            Err(e) if e.is_timeout() || e.is_connect() || e.is_request() => {
                return Ok(Attempt::Retry {
                    reason: format!("{e}"),
                    wait: None,
                })
            }
            Err(e) => return Err(Error::Other(anyhow::anyhow!("{}: {e}", self.url))),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry::parse_retry_after(v, chrono::Utc::now()));
        let text = response.text().unwrap_or_default();
        if retry::is_retryable(status) {
            return Ok(Attempt::Retry {
                reason: format!("HTTP {status}"),
                wait: retry_after,
            });
        }
        if !(200..300).contains(&status) {
            let detail: String = text.chars().take(300).collect();
            return Err(Error::Other(anyhow::anyhow!(
                "{} answered HTTP {status}: {detail}",
                self.url
            )));
        }
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            Error::Other(anyhow::anyhow!("{}: not a chat completion ({e})", self.url))
        })?;
        let choice = &value["choices"][0];
        let content = choice["message"]["content"]
            .as_str()
            .or_else(|| choice["text"].as_str())
            .ok_or_else(|| {
                Error::Other(anyhow::anyhow!(
                    "{}: the response has no choices[0].message.content",
                    self.url
                ))
            })?;
        let finish = match choice["finish_reason"].as_str() {
            Some("length") => FinishReason::Length,
            _ => FinishReason::Stop,
        };
        let usage = |key: &str| value["usage"][key].as_u64().unwrap_or(0) as usize;
        Ok(Attempt::Done(ChatReply {
            text: content.to_string(),
            prompt_tokens: usage("prompt_tokens"),
            generated_tokens: usage("completion_tokens"),
            seconds: started.elapsed().as_secs_f64(),
            finish,
        }))
    }
}

/// Sleep `wait` in small steps so a cancel is honoured quickly. Returns false when cancelled.
fn sleep_unless_cancelled(wait: Duration, cancel: Option<&AtomicBool>) -> bool {
    let until = Instant::now() + wait;
    while Instant::now() < until {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return false;
        }
        std::thread::sleep((until - Instant::now()).min(Duration::from_millis(50)));
    }
    true
}

impl ChatBackend for OpenAiBackend {
    fn name(&self) -> String {
        format!("openai:{}", self.options.model)
    }

    fn context_length(&self) -> Option<usize> {
        None
    }

    fn chat(
        &mut self,
        request: &ChatRequest,
        on_text: &mut dyn FnMut(&str) -> ControlFlow<()>,
        cancel: Option<&AtomicBool>,
    ) -> Result<ChatReply> {
        let started = Instant::now();
        let cancelled = |started: Instant| ChatReply {
            text: String::new(),
            prompt_tokens: 0,
            generated_tokens: 0,
            seconds: started.elapsed().as_secs_f64(),
            finish: FinishReason::Cancelled,
        };
        let body = self.body(request);
        let mut retries = 0u32;
        loop {
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                return Ok(cancelled(started));
            }
            match self.attempt(&body, started)? {
                Attempt::Done(reply) => {
                    // Not streamed: the caller sees the whole text at once.
                    let _ = on_text(&reply.text);
                    return Ok(reply);
                }
                Attempt::Retry { reason, wait } => {
                    if retries >= self.options.max_retries {
                        return Err(Error::Other(anyhow::anyhow!(
                            "{}: {reason}; gave up after {} retries",
                            self.url,
                            retries
                        )));
                    }
                    retries += 1;
                    let wait = retry::backoff(
                        retries,
                        self.options.retry_base,
                        wait,
                        self.options.max_retry_wait,
                    );
                    if !sleep_unless_cancelled(wait, cancel) {
                        return Ok(cancelled(started));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_urls() {
        assert_eq!(
            completions_url("http://127.0.0.1:8000").expect("url"),
            "http://127.0.0.1:8000/v1/chat/completions"
        );
        assert_eq!(
            completions_url("https://api.example/v1/").expect("url"),
            "https://api.example/v1/chat/completions"
        );
        assert!(completions_url("ftp://x").is_err());
        assert!(completions_url("not a url").is_err());
    }

    #[test]
    fn request_body_carries_the_sampling_settings() {
        let backend =
            OpenAiBackend::new(OpenAiOptions::new("http://127.0.0.1:1", "m")).expect("backend");
        let mut request = ChatRequest::new(Some("sys"), "hi");
        request.stop = (0..6).map(|i| i.to_string()).collect();
        request.seed = 7;
        let body = backend.body(&request);
        assert_eq!(body["messages"][0]["role"], "system");
        assert_eq!(body["messages"][1]["content"], "hi");
        assert_eq!(body["seed"], 7);
        assert_eq!(body["stop"].as_array().map(Vec::len), Some(4));
    }
}
