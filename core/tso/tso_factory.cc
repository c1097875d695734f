#include "core/tso/tso_factory.h"

#include <fmt/format.h>

#include "core/tso/embedded_tso.h"
#include "core/tso/pd_tso_client.h"

namespace sluice::tso {

Result<TsoMode> parse_tso_mode(std::string_view text) {
  if (text == "embedded") return TsoMode::kEmbedded;
  if (text == "pd") return TsoMode::kPd;
  if (text == "sluice") return TsoMode::kSluice;
  return Status::invalid_argument(
      fmt::format("tso = '{}': expected \"embedded\", \"pd\" or \"sluice\"", text));
}

std::string_view tso_mode_name(TsoMode mode) {
  switch (mode) {
    case TsoMode::kEmbedded:
      return "embedded";
    case TsoMode::kPd:
      return "pd";
    case TsoMode::kSluice:
      return "sluice";
  }
  return "?";
}

Result<std::unique_ptr<TsoSource>> open_tso_source(const TsoChoice& choice) {
  switch (choice.mode) {
    case TsoMode::kEmbedded: {
      if (choice.embedded_path.empty()) {
        return Status::invalid_argument("tso = \"embedded\" needs the state file's path");
      }
      SLUICE_ASSIGN_OR_RETURN(auto tso, EmbeddedTso::open(choice.embedded_path));
      return std::unique_ptr<TsoSource>(std::move(tso));
    }
    case TsoMode::kPd:
    case TsoMode::kSluice: {
      const std::string& urls = choice.mode == TsoMode::kPd ? choice.pd_urls : choice.tso_urls;
      const char* key = choice.mode == TsoMode::kPd ? "pd-urls" : "tso-urls";
      if (urls.empty()) {
        return Status::invalid_argument(
            fmt::format("tso = \"{}\" needs {}", tso_mode_name(choice.mode), key));
      }
      auto client = PdTsoClient::create(urls);
      if (!client.is_ok()) return client.status().with_context(key);
      return std::unique_ptr<TsoSource>(std::move(client).value());
    }
  }
  return Status::internal("unknown TSO mode");
}

}  // namespace sluice::tso
