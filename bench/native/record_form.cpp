// Issue 15 item 1: the stored record form, measured on a ~1 KB entity record (the W4/W5 one):
// its JSON text as stored (length known from the IndexedDB value, a CRC-32 in an 8-byte header)
// against CBOR (nlohmann::json::to_cbor / from_cbor). Size, and the cost of turning a parsed
// record into the form and the form back into what the core consumes.
// Build and run: g++ -O2 -std=c++17 bench/native/record_form.cpp -o /tmp/record_form && /tmp/record_form
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

using nlohmann::json;

int main() {
  std::string note;
  while (note.size() < 950) note += "the quick brown fox jumps over the lazy dog ";
  note.resize(950);
  const json record = {{"version", 1}, {"deleted", false},
                       {"data", {{"id", "k123"}, {"title", "entity 123"}, {"score", 123}, {"note", note}}}};
  const std::string text = record.dump();
  const std::vector<std::uint8_t> cbor = json::to_cbor(record);
  std::printf("JSON text: %zu bytes (+8 header), CBOR: %zu bytes (+8 header)\n", text.size(), cbor.size());

  constexpr int kRuns = 20000;
  auto time = [&](const char* what, auto fn) {
    std::size_t sink = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kRuns; ++i) sink += fn();
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / kRuns;
    std::printf("%-44s %.2f us (%zu)\n", what, us, sink % 7);
  };
  time("encode: tree -> JSON text (dump)", [&] { return record.dump().size(); });
  time("encode: tree -> CBOR (to_cbor)", [&] { return json::to_cbor(record).size(); });
  time("decode: JSON text -> tree (parse)", [&] { return json::parse(text).size(); });
  time("decode: CBOR -> tree (from_cbor)", [&] { return json::from_cbor(cbor).size(); });
  // The core takes a record's JSON text (SyncCore::restoreAdd): CBOR would need both steps.
  time("CBOR -> text the core takes (from_cbor+dump)", [&] { return json::from_cbor(cbor).dump().size(); });
  return 0;
}
