//! Chat backends behind one trait, so `generate` does not care whether text comes from the
//! local ONNX model or from an OpenAI-compatible server.
use crate::error::Result;
use crate::llm::generate::{ContextPolicy, StopReason};
use crate::llm::local_model::LocalModel;
use std::ops::ControlFlow;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// One chat turn: an optional system message and a user message.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    pub system: Option<String>,
    pub user: String,
    pub max_new_tokens: usize,
    /// 0 means greedy.
    pub temperature: f32,
    pub top_p: f32,
    pub seed: u64,
    /// Stop when the text contains one of these; the stop string is not returned.
    pub stop: Vec<String>,
}

impl ChatRequest {
    pub fn new(system: Option<&str>, user: &str) -> ChatRequest {
        ChatRequest {
            system: system.map(str::to_string),
            user: user.to_string(),
            max_new_tokens: 512,
            temperature: 0.0,
            top_p: 1.0,
            seed: 0,
            stop: Vec::new(),
        }
    }
}

/// Why a reply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishReason {
    /// End of turn or a stop string.
    Stop,
    /// `max_new_tokens` or the context was reached.
    Length,
    Cancelled,
}

#[derive(Debug, Clone)]
pub struct ChatReply {
    pub text: String,
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    pub seconds: f64,
    pub finish: FinishReason,
}

pub trait ChatBackend: Send {
    /// What produced the text, for reports (`onnx:<model dir name>`, `openai:<model>`).
    fn name(&self) -> String;
    /// Context window in tokens, when the backend knows it.
    fn context_length(&self) -> Option<usize>;
    /// One reply. `on_text` receives the text as it is produced (where the backend streams);
    /// returning `Break` ends the reply early. `cancel` stops it between tokens.
    fn chat(
        &mut self,
        request: &ChatRequest,
        on_text: &mut dyn FnMut(&str) -> ControlFlow<()>,
        cancel: Option<&AtomicBool>,
    ) -> Result<ChatReply>;
}

/// The local ONNX model as a chat backend.
pub struct LocalBackend {
    model: LocalModel,
    name: String,
}

impl LocalBackend {
    pub fn new(model: LocalModel) -> LocalBackend {
        let name = model
            .dir
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".to_string());
        LocalBackend {
            model,
            name: format!("onnx:{name}"),
        }
    }

    pub fn model(&self) -> &LocalModel {
        &self.model
    }
}

impl ChatBackend for LocalBackend {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn context_length(&self) -> Option<usize> {
        Some(self.model.dir.genai.model.context_length)
    }

    fn chat(
        &mut self,
        request: &ChatRequest,
        on_text: &mut dyn FnMut(&str) -> ControlFlow<()>,
        cancel: Option<&AtomicBool>,
    ) -> Result<ChatReply> {
        let started = Instant::now();
        let prompt = self
            .model
            .chat_prompt(request.system.as_deref(), &request.user)?;
        let mut params = self.model.default_params();
        params.max_new_tokens = request.max_new_tokens;
        params.stop_strings = request.stop.clone();
        params.sampling.temperature = request.temperature;
        params.sampling.top_p = request.top_p;
        params.sampling.seed = request.seed;
        if request.temperature <= 0.0 {
            params.sampling.top_k = 0;
        }
        // Long evidence prompts keep their end (the instruction) rather than failing.
        params.context_policy = ContextPolicy::TruncateStart;
        let generation = self.model.generate(&prompt, &params, on_text, cancel)?;
        let finish = match generation.stop_reason {
            StopReason::Eos | StopReason::StopString | StopReason::Callback => FinishReason::Stop,
            StopReason::MaxNewTokens | StopReason::ContextFull => FinishReason::Length,
            StopReason::Cancelled => FinishReason::Cancelled,
        };
        Ok(ChatReply {
            text: generation.text,
            prompt_tokens: generation.stats.prompt_tokens,
            generated_tokens: generation.stats.generated_tokens,
            seconds: started.elapsed().as_secs_f64(),
            finish,
        })
    }
}
