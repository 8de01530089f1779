//! An object store in memory, for tests and fuzzing of code above storage
//! (the submission parser stages dumps in it). Not a configurable backend.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;

use super::staged::{Buffered, StagedObject};
use super::{ObjectStore, Result, StorageError};

/// Objects in a map; nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    objects: Mutex<BTreeMap<String, Bytes>>,
}

impl MemoryStore {
    fn objects(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Bytes>> {
        // A panic elsewhere cannot leave a map half-changed: every change is one call.
        self.objects.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl ObjectStore for MemoryStore {
    async fn put(&self, key: &str, data: Bytes) -> Result<()> {
        self.objects().insert(key.to_owned(), data);
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Bytes> {
        self.objects()
            .get(key)
            .cloned()
            .ok_or_else(|| StorageError::NotFound {
                key: key.to_owned(),
            })
    }

    async fn exists(&self, key: &str) -> Result<bool> {
        Ok(self.objects().contains_key(key))
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let objects = self.objects();
        Ok(objects
            .range(prefix.to_owned()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, _)| k.clone())
            .collect())
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.objects().remove(key);
        Ok(())
    }

    async fn top_level(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = self
            .objects()
            .keys()
            .map(|k| match k.split_once('/') {
                Some((dir, _)) => format!("{dir}/"),
                None => k.clone(),
            })
            .collect();
        names.dedup();
        Ok(names)
    }

    fn location(&self) -> String {
        "memory".into()
    }

    fn stage(self: Arc<Self>, _dir: &str) -> Box<dyn StagedObject> {
        Box::new(Buffered::new(self))
    }
}
