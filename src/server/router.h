// Routing between sessions sits behind this interface, so sessions never reach into each other.
// Today: LocalRouter, inside one process (users chat only with the server, so nothing is
// routed yet). Later: a clustered implementation on a message broker, same interface.
//
// The router only notifies. A message is stored before it is routed, so a recipient with no
// session finds it in the store when it next logs in, and the sender's path never asks who is
// online: there is no check-then-act to race a concurrent login. What travels is an opaque,
// immutable envelope the server already holds; never plaintext.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/bytes.h"

namespace sc::server {

// The stored message's id, as the store assigned it (a MessageId once the relay lands).
struct DeliveryId {
    std::uint64_t value = 0;
    friend bool operator==(const DeliveryId&, const DeliveryId&) = default;
};

struct Delivery {
    DeliveryId id;
    std::string from_user;
    std::string from_device;
    std::shared_ptr<const Bytes> envelope;  // shared by every recipient session, never copied
};

// Hands a delivery to one session. Called on the router's thread: the session posts it onto
// its own strand. It may run once more after detach() returned, so it holds its session weakly.
using DeliverySink = std::function<void(const Delivery&)>;

class Router {
  public:
    using Handle = std::uint64_t;
    virtual ~Router() = default;
    // A logged-in session of `user`; its handle is never 0.
    virtual Handle attach(const std::string& user, DeliverySink sink) = 0;
    virtual void detach(const std::string& user, Handle handle) = 0;
    // Tells every session of `to` about `delivery`, which is stored already. Returns nothing to
    // act on: a user without a session reads the store later.
    virtual void notify(const std::string& to, const Delivery& delivery) = 0;
};

class LocalRouter final : public Router {
  public:
    Handle attach(const std::string& user, DeliverySink sink) override;
    void detach(const std::string& user, Handle handle) override;
    void notify(const std::string& to, const Delivery& delivery) override;

  private:
    std::mutex mutex_;
    Handle next_ = 1;
    std::map<std::string, std::map<Handle, DeliverySink>> sessions_;
};

}  // namespace sc::server
