#include "client/tui/conversation_list.h"

#include <set>

#include <algorithm>

#include "client/tui/input_line.h"
#include "common/display_text.h"
#include "common/usernames.h"
#include "proto/limits.h"

namespace sc::client::tui {
namespace {

// The device copies one message can have: the recipient's devices and our other ones.
constexpr std::size_t kMaxCopies = 2 * proto::kMaxDevicesPerUser;

}  // namespace

std::string delivery_mark(const Delivery& d) {
    std::size_t relayed = 0;
    std::size_t delivered = 0;
    std::size_t stored = 0;
    std::size_t expired = 0;
    std::map<std::string, std::size_t> refused;  // by code
    for (const auto& [fp, copy] : d.devices) {
        if (copy.delivered || copy.stored || copy.status == "relayed" ||
            copy.status == "unconfirmed" || copy.status == "stored") {
            ++relayed;
        } else if (!copy.status.empty()) {
            ++refused[copy.status];
        }
        delivered += copy.delivered ? 1 : 0;
        stored += (copy.stored || copy.delivered) ? 1 : 0;
        expired += (copy.expired && !copy.delivered) ? 1 : 0;
    }
    std::string mark;
    if (d.failed || (relayed == 0 && !refused.empty())) {
        mark = refused.empty() ? "✗" : "✗ not relayed:";
        for (const auto& [code, n] : refused) {
            mark += " " + code;
        }
        return mark;
    }
    if (relayed == 0) {
        return d.sent ? "→" : "…";
    }
    if (delivered > 0) {
        mark = "✓✓ delivered " + std::to_string(delivered) + "/" + std::to_string(relayed);
    } else if (stored > 0) {
        mark = "✓ stored " + std::to_string(stored) + "/" + std::to_string(relayed);
    } else {
        mark = "✓ relayed " + std::to_string(relayed);
    }
    if (expired > 0) {
        mark += " ⌛ " + std::to_string(expired) + " expired";
    }
    for (const auto& [code, n] : refused) {
        mark += " ✗ " + std::to_string(n) + " " + code;
    }
    return mark;
}

ConversationList::ConversationList() : order_{""} {}

ConversationList::UserConversation* ConversationList::find_user(const std::string& user) {
    auto it = users_.find(canonical_username(user));
    return it == users_.end() ? nullptr : &it->second;
}

const ConversationList::UserConversation* ConversationList::find_user(
    const std::string& user) const {
    auto it = users_.find(canonical_username(user));
    return it == users_.end() ? nullptr : &it->second;
}

ConversationList::UserConversation* ConversationList::make(const std::string& user) {
    if (user.empty()) {
        return nullptr;
    }
    if (auto* c = find_user(user)) {
        return c;
    }
    if (users_.size() >= kMaxConversations || !is_valid_username(user)) {
        return nullptr;
    }
    auto key = canonical_username(user);
    order_.push_back(key);
    return &users_[key];
}

bool ConversationList::has(const std::string& user) const {
    return user.empty() || find_user(user) != nullptr;
}

bool ConversationList::open(const std::string& user) {
    if (user.empty()) {
        selected_ = 0;
        server_unread_ = 0;
        return true;
    }
    auto* c = make(user);
    if (c == nullptr) {
        return false;
    }
    auto key = canonical_username(user);
    selected_ =
        static_cast<std::size_t>(std::find(order_.begin(), order_.end(), key) - order_.begin());
    seen(*c, key);
    return true;
}

void ConversationList::seen(UserConversation& c, const std::string& user) {
    if (current() == canonical_username(user)) {
        c.unread = 0;
        c.warned = false;
    }
}

void ConversationList::next() {
    open(order_[(selected_ + 1) % order_.size()]);
}

void ConversationList::previous() {
    open(order_[(selected_ + order_.size() - 1) % order_.size()]);
}

void ConversationList::scroll_back(std::size_t rows) {
    auto& s = at_server() ? server_scroll_ : find_user(current())->scroll;
    s = std::min<std::size_t>(s + rows, 100000);
}

void ConversationList::scroll_forward(std::size_t rows) {
    auto& s = at_server() ? server_scroll_ : find_user(current())->scroll;
    s = s > rows ? s - rows : 0;
}

std::size_t ConversationList::scrolled() const {
    return at_server() ? server_scroll_ : find_user(current())->scroll;
}

Conversation& ConversationList::conversation(const std::string& user) {
    auto* c = user.empty() ? nullptr : find_user(user);
    return c == nullptr ? server_ : c->entries;
}

std::size_t ConversationList::unread(const std::string& user) const {
    if (user.empty()) {
        return server_unread_;
    }
    const auto* c = find_user(user);
    return c == nullptr ? 0 : c->unread;
}

bool ConversationList::warned(const std::string& user) const {
    const auto* c = user.empty() ? nullptr : find_user(user);
    return c != nullptr && c->warned;
}

void ConversationList::notice(std::uint64_t ts, std::string text) {
    conversation(current()).notice(ts, std::move(text));
}

void ConversationList::warning(std::uint64_t now, const note::Warning& w) {
    std::string text = "(" + w.code + ") " + w.message;
    if (!w.device.empty()) {
        text += " [device " + w.device + "]";
    }
    if (!w.old_fingerprint.empty()) {
        text += " pinned " + w.old_fingerprint;
    }
    if (!w.fingerprint.empty()) {
        text += (w.old_fingerprint.empty() ? " fingerprint " : ", now ") + w.fingerprint;
    }
    auto* c = make(w.user);
    if (c == nullptr) {
        // No conversation for it: shown in the server's, naming the user.
        server_.warning(now, w.user + ": " + text);
        server_unread_ += at_server() ? 0U : 1U;
        return;
    }
    c->entries.warning(now, text);
    c->unread += 1;
    c->warned = true;
    seen(*c, w.user);
}

void ConversationList::friends(const note::Friends& list) {
    for (auto& [user, c] : users_) {
        c.online.reset();
    }
    for (const auto& f : list.friends) {
        if (auto* c = make(f.user)) {
            c->online = f.online;
        }
    }
}

void ConversationList::presence(const note::Presence& p) {
    if (auto* c = find_user(p.user); c != nullptr && c->online) {
        c->online = p.online;
    }
}

void ConversationList::friend_added(const std::string& user) {
    if (auto* c = make(user); c != nullptr && !c->online) {
        c->online = false;
    }
}

void ConversationList::clear_presence() {
    for (auto& [user, c] : users_) {
        c.online.reset();
    }
}

std::optional<bool> ConversationList::online(const std::string& user) const {
    const auto* c = find_user(user);
    return c == nullptr ? std::nullopt : c->online;
}

void ConversationList::forget_dropped(UserConversation& c) {
    std::size_t first = c.entries.first_index();
    while (!c.messages.empty() && c.messages.begin()->first < first) {
        const auto& mid = c.messages.begin()->second.mid;
        if (auto it = c.by_mid.find(mid); it != c.by_mid.end() && it->second < first) {
            c.by_mid.erase(it);
        }
        c.messages.erase(c.messages.begin());
    }
    std::erase_if(c.pending, [first](std::size_t i) { return i < first; });
}

std::size_t ConversationList::add_own(const std::string& user, std::uint64_t ts, std::string text) {
    auto* c = make(user);
    if (c == nullptr) {
        return server_.add_own(ts, std::move(text));  // not reached: the caller opened it
    }
    std::size_t index = c->entries.add_own(ts, std::move(text));
    MessageInfo info;
    info.own = true;
    info.from_here = true;
    info.from = me_;
    info.ts = ts;
    c->messages[index] = std::move(info);
    c->pending.push_back(index);
    forget_dropped(*c);
    refresh_mark(*c, index);
    return index;
}

void ConversationList::refresh_mark(UserConversation& c, std::size_t index) {
    auto it = c.messages.find(index);
    auto* entry = c.entries.at(index);
    if (it == c.messages.end() || entry == nullptr) {
        return;
    }
    entry->seqno = it->second.seqno;
    if (it->second.from_here) {
        entry->status = delivery_mark(it->second.delivery);
    }
}

void ConversationList::sent(const note::Sent& n) {
    auto* c = find_user(n.to);
    if (c == nullptr || c->pending.empty()) {
        return;
    }
    std::size_t index = c->pending.front();
    c->pending.pop_front();
    auto& info = c->messages[index];
    info.seqno = n.seqno;
    info.ts = n.ts;
    info.mid = n.mid;
    info.protection = n.protection;
    info.delivery.sent = true;
    info.delivery.copies = n.devices;
    if (!n.mid.empty()) {
        c->by_mid[n.mid] = index;
        claim_early(*c, index, n.mid);
    }
    refresh_mark(*c, index);
}

void ConversationList::send_failed(const std::string& user, std::size_t index) {
    auto* c = find_user(user);
    if (c == nullptr) {
        return;
    }
    std::erase(c->pending, index);
    if (auto it = c->messages.find(index); it != c->messages.end()) {
        it->second.delivery.failed = true;
        // The copies told for a message of this user that no note::Sent claimed were this one's
        // (shown in its /details) — unless another message to this user is still pending, which
        // could own them as well: then none is guessed.
        for (const auto& [mid, n] : early_) {
            const auto* r = std::get_if<note::Relayed>(&n);
            if (c->pending.empty() && r != nullptr &&
                canonical_username(r->to) == canonical_username(user) && it->second.mid.empty()) {
                it->second.mid = mid;
            }
        }
        if (!it->second.mid.empty()) {
            c->by_mid[it->second.mid] = index;
            claim_early(*c, index, it->second.mid);
        }
        refresh_mark(*c, index);
    }
}

void ConversationList::received(const note::Message& n) {
    if (n.conversation.empty()) {
        server_.add_received(n.ts, n.from, n.text);
        server_unread_ += at_server() ? 0U : 1U;
        return;
    }
    auto* c = make(n.conversation);
    if (c == nullptr) {
        server_.add_received(n.ts, n.from + " (to " + n.conversation + ")", n.text);
        server_unread_ += at_server() ? 0U : 1U;
        return;
    }
    bool own = !me_.empty() && canonical_username(n.from) == canonical_username(me_);
    c->entries.add_received(n.ts, own ? "you@" + n.device : n.from, n.text);
    std::size_t index = c->entries.index_of_last();
    MessageInfo info;
    info.own = own;
    info.from = n.from;
    info.device = n.device;
    info.fingerprint = n.fingerprint;
    info.seqno = n.seqno;
    info.ts = n.ts;
    info.mid = n.mid;
    info.protection = n.protection;
    c->messages[index] = std::move(info);
    forget_dropped(*c);
    refresh_mark(*c, index);
    c->unread += 1;
    seen(*c, n.conversation);
}

MessageInfo* ConversationList::by_mid(const std::string& user, const std::string& mid,
                                      std::size_t* index, UserConversation** owner) {
    auto look = [&](UserConversation& c) -> MessageInfo* {
        auto it = c.by_mid.find(mid);
        if (it == c.by_mid.end()) {
            return nullptr;
        }
        auto m = c.messages.find(it->second);
        if (m == c.messages.end()) {
            return nullptr;
        }
        *index = it->second;
        *owner = &c;
        return &m->second;
    };
    if (mid.empty()) {
        return nullptr;
    }
    if (auto* c = find_user(user)) {
        if (auto* m = look(*c)) {
            return m;
        }
    }
    // A copy to one of our own devices may name us rather than the conversation's user.
    for (auto& [name, c] : users_) {
        if (auto* m = look(c)) {
            return m;
        }
    }
    return nullptr;
}

bool ConversationList::apply(MessageInfo& m, const CopyNote& n) {
    const auto& fp =
        std::visit([](const auto& v) -> const std::string& { return v.fingerprint; }, n);
    if (!m.delivery.devices.contains(fp) && m.delivery.devices.size() >= kMaxCopies) {
        return false;
    }
    auto& copy = m.delivery.devices[fp];
    if (const auto* r = std::get_if<note::Relayed>(&n)) {
        copy.user = r->to;
        copy.name = r->device;
        copy.status = r->status;
    } else if (const auto* st = std::get_if<note::Stored>(&n)) {
        copy.user = st->to;
        copy.name = st->device;
        copy.stored = true;
        copy.expires = st->expires;
    } else if (const auto* e = std::get_if<note::Expired>(&n)) {
        copy.user = e->to;
        copy.name = e->device;
        copy.expired = true;
    } else {
        const auto& d = std::get<note::Delivered>(n);
        copy.user = d.to;
        copy.name = d.device;
        copy.delivered = true;
        copy.delivered_ts = d.ts;
    }
    return true;
}

void ConversationList::copy_note(const std::string& to, const std::string& mid, const CopyNote& n) {
    std::size_t index = 0;
    UserConversation* c = nullptr;
    if (auto* m = by_mid(to, mid, &index, &c)) {
        if (apply(*m, n)) {
            refresh_mark(*c, index);
        }
        return;
    }
    if (mid.empty()) {
        return;
    }
    early_.emplace_back(mid, n);
    if (early_.size() > kMaxEarly) {
        early_.pop_front();
    }
}

void ConversationList::claim_early(UserConversation& c, std::size_t index, const std::string& mid) {
    auto& info = c.messages[index];
    for (auto it = early_.begin(); it != early_.end();) {
        if (it->first == mid) {
            apply(info, it->second);
            it = early_.erase(it);
        } else {
            ++it;
        }
    }
}

void ConversationList::relayed(const note::Relayed& n) {
    copy_note(n.to, n.mid, n);
}

void ConversationList::delivered(const note::Delivered& n) {
    copy_note(n.to, n.mid, n);
}

void ConversationList::stored(const note::Stored& n) {
    copy_note(n.to, n.mid, n);
}

void ConversationList::expired(const note::Expired& n) {
    copy_note(n.to, n.mid, n);
}

bool ConversationList::history_loaded(const std::string& user) const {
    const auto* c = find_user(user);
    return c != nullptr && c->history_loaded;
}

void ConversationList::history(const note::History& n) {
    auto* c = make(n.with);
    if (c == nullptr) {
        return;
    }
    c->history_loaded = true;
    std::set<std::string> shown;
    for (const auto& [index, info] : c->messages) {
        shown.insert(info.fingerprint + "/" + info.mid);
    }
    std::size_t added = 0;
    for (const auto& m : n.messages) {
        const bool from_here = m.outgoing && !m.copies.empty();
        // Ours sent from here carry no sender fingerprint in the list: keyed by mid alone.
        if (shown.contains(m.fingerprint + "/" + m.mid) ||
            (from_here && c->by_mid.contains(m.mid))) {
            continue;
        }
        if (added++ == 0) {
            c->entries.notice(m.ts, "earlier messages, from this device's history:");
        }
        MessageInfo info;
        info.own = m.outgoing;
        info.from_here = from_here;
        info.from = m.from;
        info.device = m.device;
        info.fingerprint = from_here ? "" : m.fingerprint;
        info.seqno = m.seqno;
        info.ts = m.ts;
        info.mid = m.mid;
        std::size_t index = 0;
        if (from_here) {
            index = c->entries.add_own(m.ts, m.text);
            c->entries.numbered(index, m.seqno);
            info.delivery.sent = true;
            for (const auto& copy : m.copies) {
                auto& d = info.delivery.devices[copy.fingerprint];
                d.user = copy.to;
                d.name = copy.device;
                d.status = copy.state == "sent" ? "relayed" : copy.state;
                d.stored = copy.state == "stored" || copy.state == "delivered";
                d.expires = copy.expires;
                d.expired = copy.state == "expired";
                d.delivered = copy.state == "delivered";
                d.delivered_ts = copy.delivered_ts;
                info.delivery.copies += copy.state == "refused" ? 0U : 1U;
            }
            c->by_mid[m.mid] = index;
        } else {
            c->entries.add_received(m.ts, m.outgoing ? "you@" + m.device : m.from, m.text);
            index = c->entries.index_of_last();
        }
        c->messages[index] = std::move(info);
        refresh_mark(*c, index);
    }
    forget_dropped(*c);
}

std::vector<const MessageInfo*> ConversationList::find(const std::string& user,
                                                       std::optional<std::uint64_t> seqno) const {
    std::vector<const MessageInfo*> found;
    const auto* c = find_user(user);
    if (c == nullptr || c->messages.empty()) {
        return found;
    }
    if (!seqno) {
        found.push_back(&c->messages.rbegin()->second);
        return found;
    }
    for (const auto& [index, info] : c->messages) {
        if (info.seqno == *seqno) {
            found.push_back(&info);
        }
    }
    return found;
}

std::string ConversationList::render_bar(std::size_t width) const {
    std::vector<std::u32string> items;
    for (const auto& key : order_) {
        std::string item;
        if (key.empty()) {
            item = "server";
            if (server_unread_ > 0) {
                item += " (" + std::to_string(server_unread_) + ")";
            }
        } else {
            const auto& c = users_.at(key);
            item = std::string(!c.online ? "·" : *c.online ? "●" : "○") + " " + display_text(key);
            if (c.unread > 0) {
                item += " (" + std::to_string(c.unread) + ")";
            }
            if (c.warned) {
                item += " !";
            }
        }
        items.push_back(from_utf8(key == current() ? "[" + item + "]" : " " + item + " "));
    }
    // Start far enough left that the open conversation fits.
    std::size_t start = 0;
    auto span = [&](std::size_t from, std::size_t to) {
        std::size_t n = 0;
        for (std::size_t i = from; i <= to; ++i) {
            n += items[i].size() + 1;
        }
        return n;
    };
    while (start < selected_ && span(start, selected_) > width) {
        ++start;
    }
    std::u32string bar = start > 0 ? U"…" : U"";
    for (std::size_t i = start; i < items.size(); ++i) {
        bar += items[i] + U" ";
    }
    if (bar.size() > width) {
        bar.resize(width);
    }
    return to_utf8(bar);
}

std::vector<std::string> ConversationList::render(std::size_t width, std::size_t height) const {
    if (at_server()) {
        return server_.render(width, height, server_scroll_);
    }
    const auto& c = users_.at(current());
    return c.entries.render(width, height, c.scroll);
}

}  // namespace sc::client::tui
