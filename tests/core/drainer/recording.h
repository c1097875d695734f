#pragma once
// Reads what the journal-sink test plugin wrote (see plugins/journal_sink.cc).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace sluice::drainer::test {

struct RecordedLine {
  enum class Kind { kTransaction, kOpen, kFlush } kind = Kind::kTransaction;
  int64_t commit_ts = 0;  // transactions; checkpoint ts for opens
  int64_t start_ts = 0;
  uint64_t position = 0;
  uint32_t flags = 0;
  bool unclean = false;  // opens
  std::string events;    // transactions: the event text
};

inline std::vector<RecordedLine> read_recording(const std::filesystem::path& path) {
  std::vector<RecordedLine> lines;
  std::ifstream file(path);
  std::string text;
  while (std::getline(file, text)) {
    RecordedLine line;
    std::istringstream in(text);
    if (text.rfind("# open ", 0) == 0) {
      std::string hash, open, state;
      in >> hash >> open >> line.commit_ts >> state;
      line.kind = RecordedLine::Kind::kOpen;
      line.unclean = state == "unclean";
    } else if (text == "# flush") {
      line.kind = RecordedLine::Kind::kFlush;
    } else {
      in >> line.commit_ts >> line.start_ts >> line.position >> line.flags;
      std::getline(in, line.events);
      if (!line.events.empty() && line.events.front() == ' ') line.events.erase(0, 1);
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

inline std::vector<RecordedLine> transactions_of(const std::vector<RecordedLine>& lines) {
  std::vector<RecordedLine> out;
  for (const auto& line : lines) {
    if (line.kind == RecordedLine::Kind::kTransaction) out.push_back(line);
  }
  return out;
}

}  // namespace sluice::drainer::test
