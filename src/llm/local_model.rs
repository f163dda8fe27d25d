//! A model folder ready to generate: decoder session, tokenizer and chat template together.
use crate::error::Result;
use crate::llm::chat_template::{ChatMessage, ChatTemplate};
use crate::llm::generate::{generate, Generation, GenerationParams, TokenText};
use crate::llm::model_dir::ModelDir;
use crate::llm::runtime::RuntimeOptions;
use crate::llm::sampling::SamplingParams;
use crate::llm::session::DecoderSession;
use crate::llm::tokenizer::Tokenizer;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::AtomicBool;

impl TokenText for Tokenizer {
    fn decode_tokens(&self, ids: &[u32]) -> Result<String> {
        self.decode(ids, true)
    }
}

pub struct LocalModel {
    pub dir: ModelDir,
    session: DecoderSession,
    tokenizer: Tokenizer,
    template: Option<ChatTemplate>,
}

impl LocalModel {
    pub fn open(path: &Path, runtime: &RuntimeOptions) -> Result<Self> {
        let dir = ModelDir::open(path)?;
        let tokenizer = Tokenizer::from_file(dir.tokenizer_file())?;
        let template = match dir.chat_template()? {
            Some(text) => Some(ChatTemplate::new(
                text,
                dir.special_token("bos_token").unwrap_or_default(),
                dir.special_token("eos_token").unwrap_or_default(),
            )?),
            None => None,
        };
        let session = DecoderSession::open(&dir.model_file(), &dir.genai.model, runtime)?;
        Ok(LocalModel {
            dir,
            session,
            tokenizer,
            template,
        })
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    pub fn session_mut(&mut self) -> &mut DecoderSession {
        &mut self.session
    }

    /// Prompt token ids for a chat turn; without a chat template, the plain user text.
    pub fn chat_prompt(&self, system: Option<&str>, user: &str) -> Result<Vec<u32>> {
        match &self.template {
            Some(template) => {
                let mut messages = Vec::new();
                if let Some(system) = system {
                    messages.push(ChatMessage::system(system));
                }
                messages.push(ChatMessage::user(user));
                let text = template.render(&messages, true)?;
                self.tokenizer.encode(&text, false)
            }
            None => {
                let text = match system {
                    Some(system) => format!("{system}\n\n{user}"),
                    None => user.to_string(),
                };
                self.tokenizer.encode(&text, true)
            }
        }
    }

    /// Defaults from `genai_config.json`: EOS ids and greedy or sampled search.
    pub fn default_params(&self) -> GenerationParams {
        let search = &self.dir.genai.search;
        GenerationParams {
            eos_token_ids: self.dir.genai.model.eos_token_id.clone(),
            sampling: SamplingParams {
                temperature: if search.do_sample {
                    search.temperature
                } else {
                    0.0
                },
                top_k: if search.do_sample { search.top_k } else { 0 },
                top_p: search.top_p,
                repetition_penalty: search.repetition_penalty,
                ..SamplingParams::default()
            },
            ..GenerationParams::default()
        }
    }

    pub fn generate(
        &mut self,
        prompt: &[u32],
        params: &GenerationParams,
        on_text: &mut dyn FnMut(&str) -> ControlFlow<()>,
        cancel: Option<&AtomicBool>,
    ) -> Result<Generation> {
        generate(
            &mut self.session,
            &self.tokenizer,
            prompt,
            params,
            on_text,
            cancel,
        )
    }
}
