//! `circulars questions` and `circulars answer QUESTION_ID --file ANSWER.md`: the members'
//! questions, and the secretariat's answer sent in the member's thread.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::replies::make_answers;
use super::sending::stored_or_unknown;
use super::{BadData, Format, actor, open_store, table::write_table};
use crate::config::Config;
use crate::outbox::answers;
use crate::store::Question;

#[derive(Debug, Args)]
pub struct QuestionsArgs {
    /// Only the questions about this circular.
    #[arg(long, value_name = "NNN")]
    circular: Option<u32>,
    /// Only those not answered yet.
    #[arg(long)]
    open: bool,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// The question, as `questions` lists it.
    question_id: i64,
    /// The answer, in Markdown: sent in the member's thread, in the circular's layout.
    #[arg(long, value_name = "ANSWER.md")]
    file: PathBuf,
}

/// `questions`.
pub async fn questions(args: QuestionsArgs, config: &Config) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let circular_id = match args.circular {
        Some(number) => Some(stored_or_unknown(&store, number).await?.id),
        None => None,
    };
    let list = store.questions(circular_id, args.open).await?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(["id", "circular", "member", "status", "received_at", "text"])?;
            for q in &list {
                writer.write_record(question_cells(q, usize::MAX))?;
            }
            writer.flush()?;
        }
        Format::Table => {
            let rows: Vec<[String; 6]> = list.iter().map(|q| question_cells(q, 70)).collect();
            write_table(
                &mut out,
                ["ID", "CIRCULAR", "MEMBER", "STATUS", "RECEIVED", "QUESTION"],
                &rows,
            )?;
            writeln!(out, "{} question(s)", list.len())?;
        }
    }
    Ok(())
}

fn question_cells(q: &Question, width: usize) -> [String; 6] {
    let text: String = q.text.split_whitespace().collect::<Vec<_>>().join(" ");
    [
        q.id.to_string(),
        q.circular.map(|n| format!("{n:03}")).unwrap_or_default(),
        q.member.clone().unwrap_or_default(),
        q.status.clone(),
        q.received_at.clone(),
        text.chars().take(width).collect(),
    ]
}

/// `answer QUESTION_ID --file ANSWER.md`.
pub async fn answer(args: AnswerArgs, config: &Config) -> anyhow::Result<()> {
    let markdown = std::fs::read_to_string(&args.file).map_err(|err| {
        BadData(format!(
            "cannot read the answer {}: {err}",
            args.file.display()
        ))
    })?;
    if markdown.trim().is_empty() {
        return Err(BadData(format!("{}: the answer is empty", args.file.display())).into());
    }
    let store = open_store(config).await?;
    let question = store
        .question(args.question_id)
        .await?
        .ok_or_else(|| BadData(format!("no question {}", args.question_id)))?;
    // What would keep the answer from being sent is refused before the question is marked.
    if let (Some(circular_id), Some(member_id)) = (question.circular_id, question.member_id)
        && store
            .circular_delivery(circular_id, member_id)
            .await?
            .is_none()
    {
        return Err(BadData(format!(
            "question {}: {} was never sent the circular, so there is no thread to answer in: answer by mail",
            question.id,
            question.member.as_deref().unwrap_or("the member")
        ))
        .into());
    }
    if let Some(member_id) = question.member_id
        && let Some(why) = answers::unreachable(&store, member_id).await?
    {
        return Err(BadData(format!(
            "question {}: {why}: no answer can be sent (`circulars suppressions remove` lifts it)",
            question.id
        ))
        .into());
    }
    store
        .answer_question(&question, &markdown, &actor())
        .await?;
    let queued = make_answers(&store, config).await?;
    if queued == 0 {
        return Err(BadData(format!(
            "question {} is marked answered, but the answer could not be made: see the log",
            question.id
        ))
        .into());
    }
    eprintln!(
        "answer to question {} queued for {}",
        question.id,
        question.member.as_deref().unwrap_or("?")
    );
    Ok(())
}
