//! Arithmetic formulas of metric rules (`words / sentences`), parsed once and evaluated per scope.
use std::fmt;

/// Counts a formula may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    Words,
    Sentences,
    Paragraphs,
    Characters,
    Syllables,
    ComplexWords,
}

impl Var {
    pub const NAMES: &'static str =
        "words, sentences, paragraphs, characters, syllables, complex_words";

    fn from_name(s: &str) -> Option<Var> {
        Some(match s {
            "words" => Var::Words,
            "sentences" => Var::Sentences,
            "paragraphs" => Var::Paragraphs,
            "characters" => Var::Characters,
            "syllables" => Var::Syllables,
            "complex_words" => Var::ComplexWords,
            _ => return None,
        })
    }
}

/// Values of the variables for one scope.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub words: f64,
    pub sentences: f64,
    pub paragraphs: f64,
    pub characters: f64,
    pub syllables: f64,
    pub complex_words: f64,
}

impl Counts {
    fn get(&self, v: Var) -> f64 {
        match v {
            Var::Words => self.words,
            Var::Sentences => self.sentences,
            Var::Paragraphs => self.paragraphs,
            Var::Characters => self.characters,
            Var::Syllables => self.syllables,
            Var::ComplexWords => self.complex_words,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Expr {
    Num(f64),
    Var(Var),
    Neg(Box<Expr>),
    Bin(Box<Expr>, char, Box<Expr>),
}

impl Expr {
    pub fn parse(src: &str) -> Result<Expr, String> {
        let tokens = tokenize(src)?;
        let mut p = Parser { tokens, pos: 0 };
        let e = p.sum()?;
        if p.pos != p.tokens.len() {
            return Err(format!(
                "unexpected `{}` in formula `{src}`",
                p.tokens[p.pos]
            ));
        }
        Ok(e)
    }

    /// The value, `None` when it is not finite (division by zero).
    pub fn eval(&self, c: &Counts) -> Option<f64> {
        let v = self.eval_raw(c);
        v.is_finite().then_some(v)
    }

    /// Whether the formula reads `v` (metric rules skip counting what they do not need).
    pub fn uses(&self, v: Var) -> bool {
        match self {
            Expr::Num(_) => false,
            Expr::Var(x) => *x == v,
            Expr::Neg(e) => e.uses(v),
            Expr::Bin(a, _, b) => a.uses(v) || b.uses(v),
        }
    }

    fn eval_raw(&self, c: &Counts) -> f64 {
        match self {
            Expr::Num(n) => *n,
            Expr::Var(v) => c.get(*v),
            Expr::Neg(e) => -e.eval_raw(c),
            Expr::Bin(a, op, b) => {
                let (a, b) = (a.eval_raw(c), b.eval_raw(c));
                match op {
                    '+' => a + b,
                    '-' => a - b,
                    '*' => a * b,
                    _ => a / b,
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f64),
    Ident(String),
    Op(char),
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Num(n) => write!(f, "{n}"),
            Token::Ident(s) => f.write_str(s),
            Token::Op(c) => write!(f, "{c}"),
        }
    }
}

fn tokenize(src: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c.is_ascii_digit() || c == '.' {
            let mut end = i;
            while let Some(&(j, d)) = chars.peek() {
                if d.is_ascii_digit() || d == '.' {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let n = src[i..end]
                .parse()
                .map_err(|_| format!("bad number `{}` in formula", &src[i..end]))?;
            out.push(Token::Num(n));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut end = i;
            while let Some(&(j, d)) = chars.peek() {
                if d.is_ascii_alphanumeric() || d == '_' {
                    end = j + 1;
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(Token::Ident(src[i..end].to_owned()));
        } else if "+-*/()".contains(c) {
            out.push(Token::Op(c));
            chars.next();
        } else {
            return Err(format!("unexpected `{c}` in formula `{src}`"));
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek_op(&self) -> Option<char> {
        match self.tokens.get(self.pos) {
            Some(Token::Op(c)) => Some(*c),
            _ => None,
        }
    }

    fn sum(&mut self) -> Result<Expr, String> {
        let mut e = self.product()?;
        while let Some(op @ ('+' | '-')) = self.peek_op() {
            self.pos += 1;
            e = Expr::Bin(Box::new(e), op, Box::new(self.product()?));
        }
        Ok(e)
    }

    fn product(&mut self) -> Result<Expr, String> {
        let mut e = self.unary()?;
        while let Some(op @ ('*' | '/')) = self.peek_op() {
            self.pos += 1;
            e = Expr::Bin(Box::new(e), op, Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek_op() == Some('-') {
            self.pos += 1;
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, String> {
        let tok = self
            .tokens
            .get(self.pos)
            .cloned()
            .ok_or("formula ends too early")?;
        self.pos += 1;
        match tok {
            Token::Num(n) => Ok(Expr::Num(n)),
            Token::Ident(name) => Var::from_name(&name).map(Expr::Var).ok_or_else(|| {
                format!(
                    "unknown variable `{name}` in formula (known: {})",
                    Var::NAMES
                )
            }),
            Token::Op('(') => {
                let e = self.sum()?;
                if self.peek_op() != Some(')') {
                    return Err("missing `)` in formula".into());
                }
                self.pos += 1;
                Ok(e)
            }
            Token::Op(c) => Err(format!("unexpected `{c}` in formula")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_precedence_and_evaluates() {
        let c = Counts {
            words: 120.0,
            sentences: 6.0,
            ..Counts::default()
        };
        let e = Expr::parse("words / sentences + 2 * (1 - 0.5)").unwrap();
        assert_eq!(e.eval(&c), Some(21.0));
        assert_eq!(Expr::parse("-words").unwrap().eval(&c), Some(-120.0));
        assert!(e.uses(Var::Sentences) && !e.uses(Var::Syllables));
    }

    #[test]
    fn division_by_zero_has_no_value() {
        let e = Expr::parse("words / sentences").unwrap();
        assert_eq!(e.eval(&Counts::default()), None);
    }

    #[test]
    fn rejects_bad_formulas() {
        for bad in ["words +", "(words", "wordz", "words $ 2", "1 2", "1..2"] {
            assert!(Expr::parse(bad).is_err(), "{bad}");
        }
    }
}
