//! A message as text: headers, body (HTML turned into text), attachments, the
//! messages it carries, and what was wrong with it.
