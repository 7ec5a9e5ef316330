#pragma once
// The PostgreSQL target session over libpq: rows go in with COPY ... FROM STDIN inside the
// partition's transaction, together with the range delete and the ledger row.

#include <memory>

#include "../sink_session.hpp"
#include "pq.hpp"

namespace replicate::pg {

/// A SinkSession on its own libpq connection.
std::unique_ptr<detail::SinkSession> make_sink_session(std::unique_ptr<Connection> conn);

/// Appends \p v to \p out in COPY's text format for a column of type \p type (escapes, NULL
/// as \N, bytea as \x hex, doubles as the shortest text that reads back to the same bits).
void append_copy_text(std::string& out, const ColumnData& col, std::size_t row, Type type);

}  // namespace replicate::pg
