// Routing between sessions sits behind this interface, so sessions never reach into each other.
// Today: LocalRouter, inside one process. It carries pushes (presence and friend_event, issue
// 10) and deliveries (notify): the end-to-end relay's envelopes to one device of a user (issue
// 11). Later: a clustered implementation on a message broker, same interface.
//
// The router only notifies, after the store. An envelope is committed before it is routed
// (issue 12), so a recipient device with no session finds it in the store when it next logs in;
// a friend change is committed before its friend_event goes out. Pushes are fan-out of hints:
// one lost (no session, a session ending) costs nothing the store does not still say. A
// delivery only wakes the device's sessions, which read what the store holds (the delivery
// carries no envelope). online() serves list_friends only; no delivery decision ever asks who
// is online, so there is no check-then-act to race a concurrent login. Never plaintext.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "proto/messages.h"

namespace sc::server {

// The stored envelope's id, as the store assigned it (`held`).
struct DeliveryId {
    std::uint64_t value = 0;
    friend bool operator==(const DeliveryId&, const DeliveryId&) = default;
};

struct Delivery {
    DeliveryId id;
    std::string from_user;    // the sending account, as the accounts table spells it
    std::string from_device;  // the sending device: its certificate's SHA-256, lowercase hex
    std::string to_device;    // the recipient device, the same way: only its sessions take it
    Bytes mid;                // unused by the relay's hints (the store holds it), opaque here
    std::shared_ptr<const Bytes> envelope;  // null in the relay's hints: sessions read the store
};

// Offers a delivery to one session. Called on the caller's thread: the session checks, without
// blocking, whether it is for its own device (fixed when it attached); if so it posts it onto
// its own strand and returns true ("took it"), else returns false. It may run once more after
// detach() returned, so it holds its session weakly.
using DeliverySink = std::function<bool(const Delivery&)>;
// Hands a push (presence, friend_event) to one session, the same way: it only posts it onto the
// session's strand. It is called with the router's lock held (so that pushes about one user
// reach everyone in the order they happened) and must not call back into the router.
using PushSink = std::function<void(const proto::msg::Push&)>;

class Router {
  public:
    using Handle = std::uint64_t;
    virtual ~Router() = default;
    // A chat-ready session of `user`; its handle is never 0.
    virtual Handle attach(const std::string& user, DeliverySink sink) = 0;
    virtual void detach(const std::string& user, Handle handle) = 0;
    // Offers `delivery` to every session of `to` and returns how many took it (their sinks said
    // it is for their device). The router decides nothing: the count is only logged; the
    // envelope is already stored, and a session that ends before it pushes it loses nothing.
    virtual std::size_t notify(const std::string& to, const Delivery& delivery) = 0;

    // Presence and pushes (issue 10). A user is online from the moment one of its sessions has
    // announced it until its last joined session leaves. A session joins at chat-ready (it can
    // take pushes from then on), announces once it has read its friends from the store, and
    // leaves when it ends (logout, a closed socket, kick, shutdown). The caller names the
    // audience (the user's friends, at most kMaxFriends: the fan-out bound); the router decides
    // nothing, it only fans out, in the same step as the change, so a user's online and
    // offline pushes reach each friend in the order they happened.
    //
    // Registers `sink` for `handle`: pushes to `user` reach it from now on.
    virtual void join(const std::string& user, Handle handle, PushSink sink) = 0;
    // When `user` is not announced online yet (and `handle` is still joined), every session of
    // each `audience` user gets presence {user, online: true}. True when this call announced.
    virtual bool announce(const std::string& user, Handle handle,
                          const std::vector<std::string>& audience) = 0;
    // Drops the session's sink (a second leave does nothing); when it was the user's last and
    // the user was announced, every session of each `audience` user gets presence {user,
    // online: false}. True then.
    virtual bool leave(const std::string& user, Handle handle,
                       const std::vector<std::string>& audience) = 0;
    virtual void notify_user(const std::string& user, const proto::msg::Push& push) = 0;
    // When `about` is online (announced), every session of `to` gets presence {about, true},
    // checked and sent in one step (so it cannot overtake `about` going offline). For new friends.
    virtual void notify_presence(const std::string& about, const std::string& to) = 0;
    // Announced and not yet gone: what list_friends reports.
    virtual bool online(const std::string& user) = 0;
};

class LocalRouter final : public Router {
  public:
    Handle attach(const std::string& user, DeliverySink sink) override;
    void detach(const std::string& user, Handle handle) override;
    std::size_t notify(const std::string& to, const Delivery& delivery) override;
    void join(const std::string& user, Handle handle, PushSink sink) override;
    bool announce(const std::string& user, Handle handle,
                  const std::vector<std::string>& audience) override;
    bool leave(const std::string& user, Handle handle,
               const std::vector<std::string>& audience) override;
    void notify_user(const std::string& user, const proto::msg::Push& push) override;
    void notify_presence(const std::string& about, const std::string& to) override;
    bool online(const std::string& user) override;

  private:
    // With mutex_ held.
    void push_locked(const std::string& key, const proto::msg::Push& push);
    void presence_locked(const std::string& user, bool online,
                         const std::vector<std::string>& audience);

    std::mutex mutex_;
    Handle next_ = 1;
    // Keyed by the username in lower case: usernames compare case-insensitively, as the store
    // compares them, so "Bob" reaches the account "bob".
    std::map<std::string, std::map<Handle, DeliverySink>> sessions_;
    struct Joined {
        std::map<Handle, PushSink> sinks;
        bool announced = false;
    };
    std::map<std::string, Joined> joined_;
};

}  // namespace sc::server
