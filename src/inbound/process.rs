//! What a stored message leads to (bounce scores, suppressions, answers).
