#include "attack/relay_verdicts.h"

#include <chrono>
#include <thread>

#include "attack/client_reaction.h"
#include "common/display_text.h"
#include "common/files.h"

namespace sc::attack {

using namespace std::chrono_literals;

Verdict swapped_verdict(const Seen& seen, std::ostream& out) {
    if (seen.sent_to_served > 0) {
        out << "  the client sent to the swapped device: it accepted the bundle\n";
        return {false, "sent"};
    }
    out << "  the client sent nothing to the swapped device: it refused the bundle (its error "
           "is on its screen)\n";
    return {true, "refused"};
}

Result<Verdict> warning_verdict(std::string_view expected, const std::filesystem::path& data,
                                const std::string& own_fp, const std::string& peer,
                                std::uint64_t since, std::ostream& out) {
    SC_TRY_ASSIGN(auto warnings, recorded_warnings(data, own_fp, peer, since));
    bool found = false;
    for (const auto& w : warnings) {
        out << "  the client recorded the warning " << display_text(w.code) << ": \""
            << display_text(w.message) << "\"\n";
        found = found || w.code == expected;
    }
    if (!found) {
        out << "  the client recorded no " << expected << " warning in its transcript with "
            << display_text(peer) << "\n";
        return Verdict{false, "no warning"};
    }
    return Verdict{true, std::string(expected)};
}

// From the client's line-mode output: the friend's text must be shown (its marker), and no
// control character raw anywhere. The output is read until the marker shows, or 5 s after
// the client left, for a pipe through tee may still be writing.
Result<Verdict> screen_verdict(const Seen& seen, const std::filesystem::path& file,
                               std::string_view marker, std::ostream& out) {
    ShownOutput shown;
    for (int tries = 0; tries < 50 && !shown.marker_shown; ++tries) {
        if (tries > 0) {
            std::this_thread::sleep_for(100ms);
        }
        SC_TRY_ASSIGN(auto text, read_file(file));
        shown = shown_output(text, marker);
    }
    if (!seen.refused.empty()) {
        out << "  the client refused the escaped name: it is not a username\n";
    } else if (seen.name_pushed) {
        out << "  the client did not refuse the friend request from the escaped name before it "
               "left\n";
    }
    if (!shown.raw_control.empty()) {
        out << "  the client's output holds a control character raw: " << shown.raw_control << "\n";
        return Verdict{false, "raw_control"};
    }
    if (!shown.marker_shown) {
        return fail("the client's output (" + file.string() +
                    ") does not show the friend's text: give --client-output the file the "
                    "client's line-mode output (chat --plain or --json) goes to");
    }
    out << "  the client showed the friend's text with every escape made visible, and wrote no "
           "control character raw\n";
    return Verdict{true, "shown_inert"};
}

}  // namespace sc::attack
