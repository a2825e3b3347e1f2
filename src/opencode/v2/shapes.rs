//! OpenCode 2's objects (Session.Info, Permission.Request, Form.Info, Model.Info,
//! Session.Message.Info) read into the internal types V1 payloads also decode to, and
//! answers built back for forms. Pure: no I/O.

use crate::opencode::event::{
    MessageInfo, PartInfo, PermissionInfo, QuestionInfo, QuestionItem, QuestionOption, SessionInfo,
    Times, ToolState,
};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// `Session.Info`: V1's fields where they match, `location.directory` as the directory.
pub fn session(v: &Value) -> Option<SessionInfo> {
    let mut info: SessionInfo = serde_json::from_value(v.clone()).ok()?;
    if info.id.is_empty() {
        return None;
    }
    if let Some(dir) = v.pointer("/location/directory").and_then(Value::as_str) {
        info.directory = Some(dir.to_owned());
    }
    Some(info)
}

/// `Permission.Request`: `action` is V1's permission key, `resources` its patterns and
/// `save` what "always" would allow from now on.
pub fn permission(v: &Value) -> Option<PermissionInfo> {
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let list = |k: &str| -> Vec<String> {
        v.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let (id, session_id) = (text("id")?, text("sessionID")?);
    if id.is_empty() || session_id.is_empty() {
        return None;
    }
    Some(PermissionInfo {
        id,
        session_id,
        permission: text("action").or_else(|| text("permission")).unwrap_or_default(),
        patterns: list("resources"),
        always: list("save"),
        metadata: v.get("metadata").cloned().unwrap_or(Value::Null),
        time: Times {
            created: v.pointer("/time/created").and_then(Value::as_i64),
            ..Default::default()
        },
        ..Default::default()
    })
}

/// `Form.Info` as a question: one question per visible field. A link field (GA:
/// `type: "external"` with a `url`; pre-GA: the form's `mode: "url"`) is a question
/// naming its address: it is answered in a browser, or dismissed.
pub fn form(v: &Value) -> Option<QuestionInfo> {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let (id, session_id) = (text(v, "id"), text(v, "sessionID"));
    if id.is_empty() || session_id.is_empty() {
        return None;
    }
    let link = |url: String, title: String| QuestionItem {
        question: format!("Open {url} to answer"),
        header: if title.is_empty() { "Link".into() } else { title },
        multiple: false,
        options: Vec::new(),
    };
    if text(v, "mode") == "url" {
        return Some(QuestionInfo {
            id,
            session_id,
            questions: vec![link(text(v, "url"), text(v, "title"))],
        });
    }
    let questions = fields(v)?
        .iter()
        .map(|f| {
            let (header, description) = (text(f, "title"), text(f, "description"));
            if text(f, "type") == "external" {
                return link(text(f, "url"), header);
            }
            let mut options: Vec<QuestionOption> = f
                .get("options")
                .and_then(Value::as_array)
                .map(|o| o.iter().map(option).collect())
                .unwrap_or_default();
            // A yes/no field offers its two answers (`answer` turns them into booleans).
            if text(f, "type") == "boolean" && options.is_empty() {
                options = ["Yes", "No"]
                    .map(|l| QuestionOption { label: l.into(), description: String::new() })
                    .into();
            }
            QuestionItem {
                question: if description.is_empty() { header.clone() } else { description },
                header,
                multiple: text(f, "type") == "multiselect",
                options,
            }
        })
        .collect();
    Some(QuestionInfo { id, session_id, questions })
}

/// The fields a person is asked, in order (hidden ones are the form's own business).
fn fields(form: &Value) -> Option<Vec<Value>> {
    let all = form.get("fields")?.as_array()?;
    Some(all.iter().filter(|f| f.get("hidden") != Some(&Value::Bool(true))).cloned().collect())
}

fn option(o: &Value) -> QuestionOption {
    let text = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let label = text("label");
    QuestionOption {
        label: if label.is_empty() { text("value") } else { label },
        description: text("description"),
    }
}

/// Why answers do not fit a form.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnswerError {
    #[error("this question is answered in a browser at its link; it can only be dismissed")]
    UrlForm,
    #[error("{given} answers for {fields} questions")]
    Count { given: usize, fields: usize },
}

/// The `answer` object of `POST …/form/{id}/reply` for answers given per question, in
/// field order: a label becomes its option's `value`; a multiselect field takes a list,
/// numbers and booleans their JSON kind, any other field its one answer (free text passes
/// through). `form` is a `Form.Info`, or a `Form.Detail` under `data`.
pub fn answer(form: &Value, answers: &[Vec<String>]) -> Result<Value, AnswerError> {
    let form = form.get("data").filter(|f| f.is_object()).unwrap_or(form);
    let kind = |f: &Value| f.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
    let fields = fields(form).unwrap_or_default();
    if form.get("mode").and_then(Value::as_str) == Some("url")
        || fields.iter().any(|f| kind(f) == "external")
    {
        return Err(AnswerError::UrlForm);
    }
    if fields.len() != answers.len() {
        return Err(AnswerError::Count { given: answers.len(), fields: fields.len() });
    }
    let mut out = Map::new();
    for (i, (field, given)) in fields.iter().zip(answers).enumerate() {
        let key =
            field.get("key").and_then(Value::as_str).map_or_else(|| format!("q{i}"), str::to_owned);
        let options = field.get("options").and_then(Value::as_array);
        let value_of = |label: &String| -> Value {
            let found = options.and_then(|o| {
                o.iter().find(|o| o.get("label").and_then(Value::as_str) == Some(label.as_str()))
            });
            found.and_then(|o| o.get("value")).cloned().unwrap_or_else(|| json!(label))
        };
        let first = given.first().cloned().unwrap_or_default();
        let value = match kind(field).as_str() {
            "multiselect" => Value::Array(given.iter().map(value_of).collect()),
            "number" | "integer" => {
                let t = first.trim();
                match (
                    t.parse::<i64>(),
                    t.parse::<f64>().ok().and_then(serde_json::Number::from_f64),
                ) {
                    (Ok(n), _) => json!(n),
                    (_, Some(n)) => Value::Number(n),
                    _ => json!(first),
                }
            }
            "boolean" => match first.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => json!(true),
                "false" | "no" | "off" | "0" => json!(false),
                _ => json!(first),
            },
            _ => value_of(&first),
        };
        out.insert(key, value);
    }
    Ok(Value::Object(out))
}

/// The payload of a response: `{data}` or `{location, data}`, or a bare value.
pub fn data(v: &Value) -> &Value {
    v.get("data").unwrap_or(v)
}

/// The items of a list response (`{data: [...]}` or a bare list); none for anything else.
pub fn items(v: &Value) -> Vec<Value> {
    data(v).as_array().cloned().unwrap_or_default()
}

/// Context sizes by `provider/model` from `GET /api/model` (`{data: [Model.Info]}` or a
/// bare list).
pub fn context_limits(v: &Value) -> HashMap<String, u64> {
    items(v)
        .iter()
        .filter_map(|m| {
            let id = m.get("id").and_then(Value::as_str)?;
            let provider = m.get("providerID").and_then(Value::as_str)?;
            let ctx = m.pointer("/limit/context").and_then(Value::as_u64).filter(|c| *c > 0)?;
            Some((format!("{provider}/{id}"), ctx))
        })
        .collect()
}

/// One `Session.Message.Info` as a V1 message with its tool parts (for the current tool
/// and usage of a busy session after a resync).
pub fn message(v: &Value, session_id: &str) -> Option<(MessageInfo, Vec<PartInfo>)> {
    let id = v.get("id").and_then(Value::as_str)?.to_owned();
    let role = v
        .get("role")
        .or_else(|| v.get("type"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let model = v.get("model");
    let model_text =
        |k: &str| model.and_then(|m| m.get(k)).and_then(Value::as_str).map(str::to_owned);
    let info = MessageInfo {
        id: id.clone(),
        session_id: session_id.to_owned(),
        role,
        agent: v.get("agent").and_then(Value::as_str).map(str::to_owned),
        model_id: model_text("id"),
        provider_id: model_text("providerID"),
        cost: v.get("cost").and_then(Value::as_f64),
        tokens: v.get("tokens").and_then(|t| serde_json::from_value(t.clone()).ok()),
        time: Times {
            created: v.pointer("/time/created").and_then(Value::as_i64),
            ..Default::default()
        },
        ..Default::default()
    };
    let parts = v
        .get("content")
        .and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .filter(|p| p.get("type").and_then(Value::as_str) == Some("tool"))
                .filter_map(|p| {
                    let call = p.get("id").or_else(|| p.get("callID")).and_then(Value::as_str)?;
                    let state = p.get("state");
                    let status = state
                        .and_then(|s| s.get("status").or(Some(s)))
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    Some(PartInfo {
                        id: format!("call:{call}"),
                        session_id: session_id.to_owned(),
                        message_id: id.clone(),
                        kind: "tool".into(),
                        tool: p.get("name").and_then(Value::as_str).map(str::to_owned),
                        state: Some(ToolState {
                            status: status.to_owned(),
                            input: p
                                .get("input")
                                .or_else(|| state.and_then(|s| s.get("input")))
                                .cloned()
                                .unwrap_or(Value::Null),
                            ..Default::default()
                        }),
                        ..Default::default()
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Some((info, parts))
}

/// The text of a message's content, for `get_messages`.
pub fn message_text(v: &Value) -> String {
    let content = v.get("content").and_then(Value::as_array);
    let texts: Vec<&str> = content
        .map(|c| {
            c.iter()
                .filter(|p| p.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    match (texts.is_empty(), v.get("text").and_then(Value::as_str)) {
        (true, Some(t)) => t.to_owned(),
        _ => texts.join("\n"),
    }
}

#[cfg(test)]
mod tests {
    //! Shapes of GA objects, and answers built for forms.
    use super::*;

    fn question_form() -> Value {
        json!({"id": "frm_1", "sessionID": "ses_1", "mode": "form", "fields": [
            {"key": "q0", "type": "string", "title": "Color",
             "options": [{"value": "red", "label": "Red"}], "custom": true},
            {"key": "q1", "type": "multiselect", "title": "Sizes",
             "options": [{"value": "s", "label": "S"}, {"value": "m", "label": "M"}]}]})
    }

    #[test]
    fn answers_use_keys_and_option_values() {
        let answers = vec![vec!["Red".to_owned()], vec!["S".to_owned(), "M".to_owned()]];
        assert_eq!(
            answer(&question_form(), &answers).unwrap(),
            json!({"q0": "red", "q1": ["s", "m"]})
        );
        let custom = vec![vec!["Teal".to_owned()], vec![]];
        assert_eq!(answer(&question_form(), &custom).unwrap(), json!({"q0": "Teal", "q1": []}));
        assert_eq!(
            answer(&question_form(), &[vec![]]),
            Err(AnswerError::Count { given: 1, fields: 2 })
        );
        let url = json!({"id": "frm_2", "sessionID": "ses_1", "title": "Sign in",
            "fields": [{"key": "link", "type": "external", "url": "https://x"}]});
        assert_eq!(answer(&url, &[vec![]]), Err(AnswerError::UrlForm));
        assert!(form(&url).unwrap().questions[0].question.contains("https://x"));
        let detail = json!({"data": {"id": "frm_3", "sessionID": "ses_1", "state": {"status": "pending"},
            "fields": [{"key": "n", "type": "integer"}, {"key": "ok", "type": "boolean"},
                       {"key": "secret", "type": "string", "hidden": true}]}});
        let asked = form(&detail["data"]).unwrap();
        let labels: Vec<&str> =
            asked.questions[1].options.iter().map(|o| o.label.as_str()).collect();
        assert_eq!(labels, ["Yes", "No"], "a yes/no field offers its answers");
        let given = vec![vec!["3".to_owned()], vec!["Yes".to_owned()]];
        assert_eq!(answer(&detail, &given).unwrap(), json!({"n": 3, "ok": true}));
    }

    #[test]
    fn limits_and_sessions() {
        let models = json!({"data": [{"id": "m", "providerID": "p", "limit": {"context": 1000}},
            {"id": "n", "providerID": "p", "limit": {}}]});
        assert_eq!(context_limits(&models), HashMap::from([("p/m".to_owned(), 1000)]));
        assert!(session(&json!({"title": "no id"})).is_none());
        assert!(permission(&json!({"id": "per_1"})).is_none());
    }
}
