//! GGUF container parsing: header, metadata key/values and tensor directory over a memory map.
//!
//! Every count, length and offset is checked against the file length before it is used, so a
//! truncated or hostile file yields an [`Error::Input`] instead of a panic or a huge allocation.
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use super::types::GgmlType;
use crate::error::{Error, Result};

/// `GGUF` read as a little-endian u32.
pub const GGUF_MAGIC: u32 = 0x4655_4747;
/// Alignment of the tensor data section when `general.alignment` is absent.
pub const DEFAULT_ALIGNMENT: u64 = 32;
/// ggml tensors have at most four dimensions.
const MAX_DIMS: u32 = 4;
/// Arrays nested deeper than this are rejected (real files nest at most once).
const MAX_ARRAY_DEPTH: u32 = 8;
/// Cap on metadata array elements in one file. Each parsed element takes ~32 bytes while a
/// `u8` takes one in the file, so without a cap a crafted file could demand 32× its size in
/// memory; the largest real vocabularies (tokens plus merges) hold well under a million.
const MAX_METADATA_ELEMENTS: u64 = 16 << 20;

/// A metadata value, mirroring GGUF's `gguf_type`.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    Bool(bool),
    String(String),
    Array(Vec<MetaValue>),
    U64(u64),
    I64(i64),
    F64(f64),
}

impl MetaValue {
    /// The GGUF type code written before the value.
    pub fn type_code(&self) -> u32 {
        match self {
            MetaValue::U8(_) => 0,
            MetaValue::I8(_) => 1,
            MetaValue::U16(_) => 2,
            MetaValue::I16(_) => 3,
            MetaValue::U32(_) => 4,
            MetaValue::I32(_) => 5,
            MetaValue::F32(_) => 6,
            MetaValue::Bool(_) => 7,
            MetaValue::String(_) => 8,
            MetaValue::Array(_) => 9,
            MetaValue::U64(_) => 10,
            MetaValue::I64(_) => 11,
            MetaValue::F64(_) => 12,
        }
    }

    /// Any integer type that fits in a u64 (negative values do not).
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            MetaValue::U8(v) => Some(v.into()),
            MetaValue::U16(v) => Some(v.into()),
            MetaValue::U32(v) => Some(v.into()),
            MetaValue::U64(v) => Some(v),
            MetaValue::I8(v) => u64::try_from(v).ok(),
            MetaValue::I16(v) => u64::try_from(v).ok(),
            MetaValue::I32(v) => u64::try_from(v).ok(),
            MetaValue::I64(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    /// Any integer or float type as f64.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            MetaValue::F32(v) => Some(v.into()),
            MetaValue::F64(v) => Some(v),
            MetaValue::I8(v) => Some(v.into()),
            MetaValue::I16(v) => Some(v.into()),
            MetaValue::I32(v) => Some(v.into()),
            MetaValue::I64(v) => Some(v as f64),
            _ => self.as_u64().map(|v| v as f64),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            MetaValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            MetaValue::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[MetaValue]> {
        match self {
            MetaValue::Array(items) => Some(items),
            _ => None,
        }
    }
}

/// One entry of the tensor directory.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    pub name: String,
    /// ggml order: `dims[0]` is the contiguous (innermost) dimension.
    pub dims: Vec<u64>,
    pub ggml_type: GgmlType,
    /// Offset from the start of the data section.
    pub offset: u64,
    /// Bytes occupied by the tensor's data.
    pub byte_len: u64,
}

impl TensorInfo {
    pub fn numel(&self) -> u64 {
        self.dims.iter().product()
    }

    /// Row-major (PyTorch) shape: the ggml dimensions reversed.
    pub fn shape(&self) -> Vec<usize> {
        self.dims.iter().rev().map(|&d| d as usize).collect()
    }
}

/// A parsed, memory-mapped GGUF file.
pub struct GgufFile {
    path: PathBuf,
    mmap: Mmap,
    version: u32,
    alignment: u64,
    data_offset: u64,
    metadata: Vec<(String, MetaValue)>,
    metadata_index: HashMap<String, usize>,
    tensors: Vec<TensorInfo>,
    tensor_index: HashMap<String, usize>,
}

impl std::fmt::Debug for GgufFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GgufFile")
            .field("path", &self.path)
            .field("version", &self.version)
            .field("metadata", &self.metadata.len())
            .field("tensors", &self.tensors.len())
            .finish()
    }
}

impl GgufFile {
    /// Map and parse `path`. Fails with [`Error::Input`] on anything malformed.
    pub fn open(path: impl AsRef<Path>) -> Result<GgufFile> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        let len = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        if len < 24 {
            return Err(Error::input(
                &path,
                format!("not a GGUF file: {len} bytes is shorter than the 24-byte header"),
            ));
        }
        // SAFETY: the map is read-only; like every mmap reader we rely on the file not being
        // truncated by another process while it is open.
        let mmap = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(&path, e))?;
        Self::parse(path, mmap)
    }

    fn parse(path: PathBuf, mmap: Mmap) -> Result<GgufFile> {
        let mut cursor = Cursor {
            bytes: &mmap,
            pos: 0,
            path: &path,
            array_elements: 0,
        };
        let magic = cursor.u32("magic")?;
        if magic != GGUF_MAGIC {
            return Err(Error::input(
                &path,
                format!(
                    "not a GGUF file: magic bytes {:02x?} are not \"GGUF\"",
                    magic.to_le_bytes()
                ),
            ));
        }
        let version = cursor.u32("version")?;
        if !(2..=3).contains(&version) {
            return Err(Error::input(
                &path,
                format!("unsupported GGUF version {version} (supported: 2 and 3)"),
            ));
        }
        let tensor_count = cursor.u64("tensor count")?;
        let kv_count = cursor.u64("metadata count")?;
        // Smallest metadata entry: key length (8) + type (4) + a one-byte value.
        cursor.check_count(kv_count, 13, "metadata entries")?;

        let mut metadata = Vec::with_capacity(kv_count as usize);
        let mut metadata_index = HashMap::with_capacity(kv_count as usize);
        for _ in 0..kv_count {
            let key = cursor.string("metadata key")?;
            let type_code = cursor.u32("metadata type")?;
            let value = cursor.value(type_code, &key, 0)?;
            if metadata_index.insert(key.clone(), metadata.len()).is_some() {
                return Err(Error::input(
                    &path,
                    format!("duplicate metadata key `{key}`"),
                ));
            }
            metadata.push((key, value));
        }

        let alignment = match metadata_index.get("general.alignment") {
            None => DEFAULT_ALIGNMENT,
            Some(&i) => match metadata[i].1.as_u64() {
                Some(a) if a > 0 && a.is_power_of_two() && a <= 1 << 20 => a,
                _ => {
                    return Err(Error::input(
                        &path,
                        format!(
                            "general.alignment must be a power of two up to 1 MiB, got {:?}",
                            metadata[i].1
                        ),
                    ))
                }
            },
        };

        // Smallest tensor entry: name length (8) + n_dims (4) + one dim (8) + type (4) + offset (8).
        cursor.check_count(tensor_count, 32, "tensor infos")?;
        let mut tensors = Vec::with_capacity(tensor_count as usize);
        let mut tensor_index = HashMap::with_capacity(tensor_count as usize);
        for _ in 0..tensor_count {
            let info = cursor.tensor_info()?;
            if tensor_index
                .insert(info.name.clone(), tensors.len())
                .is_some()
            {
                return Err(Error::input(
                    &path,
                    format!("duplicate tensor name `{}`", info.name),
                ));
            }
            tensors.push(info);
        }

        let file_len = mmap.len() as u64;
        let data_offset = (cursor.pos as u64).div_ceil(alignment) * alignment;
        if data_offset > file_len && tensor_count > 0 {
            return Err(Error::input(
                &path,
                format!("truncated: tensor data should start at byte {data_offset} but the file has {file_len}"),
            ));
        }
        let data_len = file_len.saturating_sub(data_offset);
        for info in &tensors {
            if !info.offset.is_multiple_of(alignment) {
                return Err(Error::input(
                    &path,
                    format!(
                        "tensor `{}` offset {} is not a multiple of the alignment {alignment}",
                        info.name, info.offset
                    ),
                ));
            }
            let end = info.offset.checked_add(info.byte_len);
            if end.is_none_or(|end| end > data_len) {
                return Err(Error::input(
                    &path,
                    format!(
                        "truncated or corrupt: tensor `{}` needs bytes {}..{} of the data section, which has {data_len}",
                        info.name,
                        info.offset,
                        info.offset.saturating_add(info.byte_len)
                    ),
                ));
            }
        }

        Ok(GgufFile {
            path,
            mmap,
            version,
            alignment,
            data_offset,
            metadata,
            metadata_index,
            tensors,
            tensor_index,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    pub fn alignment(&self) -> u64 {
        self.alignment
    }

    /// Absolute file offset of the tensor data section.
    pub fn data_offset(&self) -> u64 {
        self.data_offset
    }

    /// All metadata in file order.
    pub fn metadata(&self) -> &[(String, MetaValue)] {
        &self.metadata
    }

    pub fn get(&self, key: &str) -> Option<&MetaValue> {
        self.metadata_index.get(key).map(|&i| &self.metadata[i].1)
    }

    /// Error naming the file and key when `key` is missing or has another type.
    fn wrong_type(&self, key: &str, wanted: &str) -> Error {
        match self.get(key) {
            None => Error::input(&self.path, format!("missing metadata key `{key}`")),
            Some(v) => Error::input(
                &self.path,
                format!("metadata `{key}` should be {wanted}, found {}", describe(v)),
            ),
        }
    }

    pub fn get_str(&self, key: &str) -> Result<&str> {
        self.get(key)
            .and_then(MetaValue::as_str)
            .ok_or_else(|| self.wrong_type(key, "a string"))
    }

    pub fn get_u64(&self, key: &str) -> Result<u64> {
        self.get(key)
            .and_then(MetaValue::as_u64)
            .ok_or_else(|| self.wrong_type(key, "a non-negative integer"))
    }

    pub fn get_u32(&self, key: &str) -> Result<u32> {
        self.get(key)
            .and_then(MetaValue::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| self.wrong_type(key, "an integer in u32 range"))
    }

    pub fn get_usize(&self, key: &str) -> Result<usize> {
        self.get(key)
            .and_then(MetaValue::as_u64)
            .and_then(|v| usize::try_from(v).ok())
            .ok_or_else(|| self.wrong_type(key, "a non-negative integer"))
    }

    pub fn get_f32(&self, key: &str) -> Result<f32> {
        self.get(key)
            .and_then(MetaValue::as_f64)
            .map(|v| v as f32)
            .ok_or_else(|| self.wrong_type(key, "a number"))
    }

    pub fn get_bool(&self, key: &str) -> Result<bool> {
        self.get(key)
            .and_then(MetaValue::as_bool)
            .ok_or_else(|| self.wrong_type(key, "a bool"))
    }

    /// A string array, borrowed.
    pub fn get_str_array(&self, key: &str) -> Result<Vec<&str>> {
        let items = self
            .get(key)
            .and_then(MetaValue::as_array)
            .ok_or_else(|| self.wrong_type(key, "an array of strings"))?;
        items
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| self.wrong_type(key, "an array of strings"))
            })
            .collect()
    }

    pub fn get_i64_array(&self, key: &str) -> Result<Vec<i64>> {
        let items = self
            .get(key)
            .and_then(MetaValue::as_array)
            .ok_or_else(|| self.wrong_type(key, "an array of integers"))?;
        items
            .iter()
            .map(|v| match *v {
                MetaValue::I8(x) => Some(x.into()),
                MetaValue::I16(x) => Some(x.into()),
                MetaValue::I32(x) => Some(x.into()),
                MetaValue::I64(x) => Some(x),
                _ => v.as_u64().and_then(|x| i64::try_from(x).ok()),
            })
            .map(|x| x.ok_or_else(|| self.wrong_type(key, "an array of integers")))
            .collect()
    }

    pub fn get_f32_array(&self, key: &str) -> Result<Vec<f32>> {
        let items = self
            .get(key)
            .and_then(MetaValue::as_array)
            .ok_or_else(|| self.wrong_type(key, "an array of numbers"))?;
        items
            .iter()
            .map(|v| {
                v.as_f64()
                    .map(|x| x as f32)
                    .ok_or_else(|| self.wrong_type(key, "an array of numbers"))
            })
            .collect()
    }

    pub fn tensors(&self) -> &[TensorInfo] {
        &self.tensors
    }

    pub fn tensor_info(&self, name: &str) -> Option<&TensorInfo> {
        self.tensor_index.get(name).map(|&i| &self.tensors[i])
    }

    /// The raw (still quantized) bytes of a tensor. Bounds were checked at open.
    pub fn tensor_bytes(&self, info: &TensorInfo) -> &[u8] {
        let start = (self.data_offset + info.offset) as usize;
        &self.mmap[start..start + info.byte_len as usize]
    }
}

fn describe(v: &MetaValue) -> String {
    match v {
        MetaValue::String(s) => format!("string {s:?}"),
        MetaValue::Array(items) => format!("array of {} items", items.len()),
        other => format!("{other:?}"),
    }
}

/// Bounds-checked little-endian reads over the mapped bytes.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: &'a Path,
    /// Metadata array elements read so far, against [`MAX_METADATA_ELEMENTS`].
    array_elements: u64,
}

impl Cursor<'_> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&[u8]> {
        if n > self.remaining() {
            return Err(Error::input(
                self.path,
                format!(
                    "truncated: reading {what} needs {n} bytes at offset {} but the file has {}",
                    self.pos,
                    self.bytes.len()
                ),
            ));
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// Rejects a count whose entries (each at least `min_entry_bytes`) cannot fit in the rest.
    fn check_count(&self, count: u64, min_entry_bytes: u64, what: &str) -> Result<()> {
        if count.saturating_mul(min_entry_bytes) > self.remaining() as u64 {
            return Err(Error::input(
                self.path,
                format!(
                    "corrupt header: {count} {what} cannot fit in the remaining {} bytes",
                    self.remaining()
                ),
            ));
        }
        Ok(())
    }

    fn string(&mut self, what: &str) -> Result<String> {
        let len = self.u64(what)?;
        if len > self.remaining() as u64 {
            return Err(Error::input(
                self.path,
                format!(
                    "truncated or corrupt: {what} claims {len} bytes at offset {} but only {} remain",
                    self.pos,
                    self.remaining()
                ),
            ));
        }
        let at = self.pos;
        let bytes = self.take(len as usize, what)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| {
            Error::input(
                self.path,
                format!("{what} at offset {at} is not valid UTF-8"),
            )
        })
    }

    fn value(&mut self, type_code: u32, key: &str, depth: u32) -> Result<MetaValue> {
        let what = format!("value of `{key}`");
        Ok(match type_code {
            0 => MetaValue::U8(u8::from_le_bytes(self.array(&what)?)),
            1 => MetaValue::I8(i8::from_le_bytes(self.array(&what)?)),
            2 => MetaValue::U16(u16::from_le_bytes(self.array(&what)?)),
            3 => MetaValue::I16(i16::from_le_bytes(self.array(&what)?)),
            4 => MetaValue::U32(u32::from_le_bytes(self.array(&what)?)),
            5 => MetaValue::I32(i32::from_le_bytes(self.array(&what)?)),
            6 => MetaValue::F32(f32::from_le_bytes(self.array(&what)?)),
            7 => match self.array::<1>(&what)?[0] {
                0 => MetaValue::Bool(false),
                1 => MetaValue::Bool(true),
                b => {
                    return Err(Error::input(
                        self.path,
                        format!("metadata `{key}`: bool byte {b} is neither 0 nor 1"),
                    ))
                }
            },
            8 => MetaValue::String(self.string(&what)?),
            9 => {
                if depth >= MAX_ARRAY_DEPTH {
                    return Err(Error::input(
                        self.path,
                        format!("metadata `{key}`: arrays nested deeper than {MAX_ARRAY_DEPTH}"),
                    ));
                }
                let elem_type = self.u32(&what)?;
                let count = self.u64(&what)?;
                let min_elem = match elem_type {
                    0 | 1 | 7 => 1,
                    2 | 3 => 2,
                    4..=6 => 4,
                    8 | 10..=12 => 8,
                    9 => 12,
                    other => {
                        return Err(Error::input(
                            self.path,
                            format!("metadata `{key}`: unknown array element type {other}"),
                        ))
                    }
                };
                self.check_count(count, min_elem, &format!("elements of `{key}`"))?;
                self.array_elements = self.array_elements.saturating_add(count);
                if self.array_elements > MAX_METADATA_ELEMENTS {
                    return Err(Error::input(
                        self.path,
                        format!(
                            "metadata arrays hold more than {MAX_METADATA_ELEMENTS} elements (at `{key}`)"
                        ),
                    ));
                }
                let mut items = Vec::with_capacity(count as usize);
                for _ in 0..count {
                    items.push(self.value(elem_type, key, depth + 1)?);
                }
                MetaValue::Array(items)
            }
            10 => MetaValue::U64(u64::from_le_bytes(self.array(&what)?)),
            11 => MetaValue::I64(i64::from_le_bytes(self.array(&what)?)),
            12 => MetaValue::F64(f64::from_le_bytes(self.array(&what)?)),
            other => {
                return Err(Error::input(
                    self.path,
                    format!("metadata `{key}`: unknown value type {other}"),
                ))
            }
        })
    }

    fn tensor_info(&mut self) -> Result<TensorInfo> {
        let name = self.string("tensor name")?;
        let n_dims = self.u32("tensor dimension count")?;
        if n_dims == 0 || n_dims > MAX_DIMS {
            return Err(Error::input(
                self.path,
                format!("tensor `{name}` has {n_dims} dimensions (expected 1 to {MAX_DIMS})"),
            ));
        }
        let mut dims = Vec::with_capacity(n_dims as usize);
        for _ in 0..n_dims {
            dims.push(self.u64("tensor dimension")?);
        }
        let type_code = self.u32("tensor type")?;
        let offset = self.u64("tensor offset")?;
        let ggml_type = GgmlType::from_code(type_code);
        let numel = dims
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))
            .filter(|&n| n <= self.bytes.len() as u64 * 8)
            .ok_or_else(|| {
                Error::input(
                    self.path,
                    format!(
                        "tensor `{name}` dimensions {dims:?} are larger than the file could hold"
                    ),
                )
            })?;
        let byte_len = ggml_type
            .byte_len(dims[0], numel)
            .map_err(|message| Error::input(self.path, format!("tensor `{name}`: {message}")))?;
        Ok(TensorInfo {
            name,
            dims,
            ggml_type,
            offset,
            byte_len,
        })
    }
}
