// Writes the seed corpora of the fuzz targets: runs real in-memory sessions (handshake, login,
// DH #2, chat both ways, a rekey, receipts) between a ClientSession and a ServerSession with the
// fixed fuzz world of fuzz_pki.h, and saves the bytes each side received, whole and cut short,
// as seeds. It then replays the whole streams through the fuzz targets' own code and fails
// unless they reach the exchange of receipts, so the fuzzers are known to start deep.
//   usage: make_corpus OUT_DIR    (writes OUT_DIR/<target>/<seed>)
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "fuzz_pki.h"
#include "proto/messages.h"

namespace {

using namespace sc;
using namespace sc::proto;
using fuzz::Scenario;
namespace fs = std::filesystem;

struct Recorded {
    std::vector<Bytes> c2s;  // frames the server received, in order
    std::vector<Bytes> s2c;  // frames the client received
    bool client_receipts = false;
    bool server_receipts = false;
    std::string client_transcript_hash;
    std::string server_transcript_hash;
    std::string failure;
};

void note(const Output& out, const char* side, bool& receipts, std::string& hash,
          std::string& failure) {
    for (const auto& e : out.events) {
        if (const auto* done = std::get_if<event::ReceiptsExchanged>(&e)) {
            receipts = true;
            hash = done->transcript_sha256.hex();
        } else if (const auto* failed = std::get_if<event::Failed>(&e)) {
            failure += std::string(side) + " failed: " + failed->error.text() + "\n";
        } else if (const auto* peer = std::get_if<event::PeerError>(&e)) {
            failure += std::string(side) + " got error " + peer->code + ": " + peer->message + "\n";
        }
    }
}

// The two sessions with the scripted owners, frames carried one at a time in order.
Recorded record_session(Scenario scenario) {
    fuzz::FixedClock clock(fuzz::fixed_now());
    fuzz::DeterministicEntropy client_entropy("client");
    fuzz::DeterministicEntropy server_entropy("server");
    ClientSession client(fuzz::fuzz_client_config(), clock, client_entropy);
    ServerSession server(fuzz::fuzz_server_config(), clock, server_entropy);
    Recorded rec;
    enum class From { client, server };
    std::deque<std::pair<Bytes, From>> in_flight;
    bool client_closed = false;
    bool server_closed = false;
    auto emit = [&](Output& out, From from) {
        for (auto& frame : out.send) {
            in_flight.emplace_back(std::move(frame), from);
        }
        if (from == From::client) {
            note(out, "client", rec.client_receipts, rec.client_transcript_hash, rec.failure);
            client_closed = client_closed || out.close;
        } else {
            note(out, "server", rec.server_receipts, rec.server_transcript_hash, rec.failure);
            server_closed = server_closed || out.close;
        }
    };
    auto first = client.start();
    fuzz::drive_client(client, first, scenario);
    emit(first, From::client);
    while (!in_flight.empty()) {
        auto [frame, from] = std::move(in_flight.front());
        in_flight.pop_front();
        if (from == From::client && !server_closed) {
            rec.c2s.push_back(frame);
            auto out = server.receive(frame);
            fuzz::drive_server(server, out, scenario);
            emit(out, From::server);
        } else if (from == From::server && !client_closed) {
            rec.s2c.push_back(frame);
            auto out = client.receive(frame);
            fuzz::drive_client(client, out, scenario);
            emit(out, From::client);
        }
    }
    return rec;
}

Bytes concat(const std::vector<Bytes>& frames, std::size_t count) {
    Bytes out;
    for (std::size_t i = 0; i < count && i < frames.size(); ++i) {
        out.insert(out.end(), frames[i].begin(), frames[i].end());
    }
    return out;
}

class CorpusWriter {
  public:
    explicit CorpusWriter(fs::path root) : root_(std::move(root)) {}

    void write(const std::string& target, const std::string& name, ByteView data) {
        fs::create_directories(root_ / target);
        std::ofstream file(root_ / target / name, std::ios::binary | std::ios::trunc);
        file.write(reinterpret_cast<const char*>(data.data()),
                   static_cast<std::streamsize>(data.size()));
        if (!file) {
            throw std::runtime_error("cannot write " + (root_ / target / name).string());
        }
        ++count_[target];
    }
    void write(const std::string& target, const std::string& name, std::string_view text) {
        write(target, name, as_bytes(text));
    }
    void report() const {
        for (const auto& [target, n] : count_) {
            std::printf("make_corpus: %zu seeds in %s\n", n, (root_ / target).c_str());
        }
    }

  private:
    fs::path root_;
    std::map<std::string, std::size_t> count_;
};

// Seeds for one handshake target from the stream its session received.
void write_stream_seeds(CorpusWriter& out, const std::string& target, const std::string& label,
                        Scenario scenario, const std::vector<Bytes>& frames) {
    Bytes whole = concat(frames, frames.size());
    out.write(target, label + "-whole-frames", fuzz::make_stream_input(scenario, 0, whole));
    for (int chunk : {1, 3, 16, 61, 127}) {
        out.write(target, label + "-whole-chunks-" + std::to_string(chunk),
                  fuzz::make_stream_input(scenario, static_cast<std::uint8_t>(chunk), whole));
    }
    for (std::size_t n = 1; n < frames.size(); ++n) {
        char name[32];
        std::snprintf(name, sizeof name, "-prefix-%02zu", n);
        out.write(target, label + name, fuzz::make_stream_input(scenario, 0, concat(frames, n)));
    }
    // Cut inside a frame: the session must wait, not fail.
    if (whole.size() > 10) {
        ByteView cut(whole.data(), whole.size() - 7);
        out.write(target, label + "-cut-in-frame", fuzz::make_stream_input(scenario, 0, cut));
    }
}

std::string payload_of(const Bytes& frame) {
    return {reinterpret_cast<const char*>(frame.data() + 4), frame.size() - 4};
}

// Seeds for the frame decoder: whole streams, single frames, bare outer and inner payloads.
void write_decoder_seeds(CorpusWriter& out, const std::string& label, const Recorded& rec) {
    const std::string target = "frame_decoder_fuzz";
    for (const auto& [dir, frames] : {std::pair{"c2s", &rec.c2s}, std::pair{"s2c", &rec.s2c}}) {
        Bytes whole = concat(*frames, frames->size());
        for (int piece : {0, 5, 200}) {
            Bytes seed{static_cast<std::uint8_t>(piece)};
            seed.insert(seed.end(), whole.begin(), whole.end());
            out.write(target, label + "-" + dir + "-stream-" + std::to_string(piece), seed);
        }
        for (std::size_t i = 0; i < frames->size(); ++i) {
            Bytes seed{0};
            seed.insert(seed.end(), (*frames)[i].begin(), (*frames)[i].end());
            out.write(target, label + "-" + dir + "-frame-" + std::to_string(i), seed);
            out.write(target, label + "-" + dir + "-payload-" + std::to_string(i),
                      payload_of((*frames)[i]));
        }
    }
}

void write_inner_seeds(CorpusWriter& out) {
    Bytes share(32, 0x42);
    Bytes sig(64, 0x17);
    std::string hex(64, 'a');
    std::vector<std::pair<std::string, msg::Inner>> samples;
    samples.emplace_back("register", msg::Register{"alice@example.org", "alice",
                                                   crypto::SecretBytes(as_bytes("pw"))});
    samples.emplace_back("login", msg::Login{"alice", crypto::SecretBytes(as_bytes("pw"))});
    samples.emplace_back("auth_ok", msg::AuthOk{"alice", msg::AuthAction::logged_in});
    samples.emplace_back("chat_dh_client", msg::ChatDhClient{share});
    samples.emplace_back("chat_dh_server", msg::ChatDhServer{share});
    samples.emplace_back("msg", msg::Chat{1, 1767225600000, Bytes(40, 0x33), sig});
    samples.emplace_back("ack", msg::Ack{1, msg::DeliveryStatus::delivered, Bytes(64, 0x5a)});
    samples.emplace_back("rekey", msg::Rekey{share});
    samples.emplace_back("rekey_request", msg::RekeyRequest{});
    samples.emplace_back("receipt", msg::Receipt{hex, 1, 3, hex, sig});
    samples.emplace_back("error", msg::Error{"malformed", "a message \xe2\x9c\x93"});
    for (const auto& [name, message] : samples) {
        auto encoded = msg::encode(message);
        out.write("frame_decoder_fuzz", "inner-" + name,
                  encoded.reveal_text(crypto::SecretAccess{}));
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
        return 2;
    }
    CorpusWriter out{fs::path(argv[1])};
    bool ok = true;
    for (Scenario scenario : {Scenario::client_closes, Scenario::server_closes}) {
        std::string label = scenario == Scenario::client_closes ? "client-closes" : "server-closes";
        Recorded rec = record_session(scenario);
        if (!rec.failure.empty() || !rec.client_receipts || !rec.server_receipts ||
            rec.client_transcript_hash != rec.server_transcript_hash) {
            std::fprintf(stderr, "make_corpus: the %s session did not end properly\n%s",
                         label.c_str(), rec.failure.c_str());
            ok = false;
        }
        write_stream_seeds(out, "server_handshake_fuzz", label, scenario, rec.c2s);
        write_stream_seeds(out, "client_handshake_fuzz", label, scenario, rec.s2c);
        write_decoder_seeds(out, label, rec);

        // The fuzz targets' own code must replay the whole streams to the end.
        auto server =
            fuzz::run_server(fuzz::make_stream_input(scenario, 0, concat(rec.c2s, rec.c2s.size())));
        auto client =
            fuzz::run_client(fuzz::make_stream_input(scenario, 1, concat(rec.s2c, rec.s2c.size())));
        for (const auto& [side, result] :
             {std::pair{"server", &server}, std::pair{"client", &client}}) {
            if (!result->receipts_exchanged) {
                std::fprintf(stderr,
                             "make_corpus: the %s stream of %s does not replay to the end%s%s\n",
                             side, label.c_str(), result->failure.empty() ? "" : ": ",
                             result->failure.c_str());
                ok = false;
            }
        }
        std::printf("make_corpus: %s: %zu frames to the server, %zu to the client, transcript %s\n",
                    label.c_str(), rec.c2s.size(), rec.s2c.size(),
                    rec.server_transcript_hash.c_str());
    }
    write_inner_seeds(out);
    out.report();
    return ok ? 0 : 1;
}
