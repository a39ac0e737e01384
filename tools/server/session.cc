#include "tools/server/session.h"

#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>

namespace gpuadv::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Ms = std::chrono::milliseconds;

// After refusing a request mid-body, how long the rest is read and discarded so the client
// sees the answer instead of a reset (nginx's lingering close).
constexpr Ms kLinger{2000};

bool IsParseError(const beast::error_code& ec) {
  if (ec.category() != http::make_error_code(http::error::bad_method).category()) return false;
  return ec != http::error::end_of_stream && ec != http::error::partial_message &&
         ec != http::error::need_more;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, SessionContext& ctx)
      : stream_(std::move(socket)), ctx_(ctx), buffer_(ctx.opt.max_header_bytes + 65536) {
    ++ctx_.connections;
  }
  ~Session() { --ctx_.connections; }

  void ReadHeader();

 private:
  void OnHeader(beast::error_code ec);
  void ReadBody();
  void OnBody(beast::error_code ec);
  void Dispatch();
  // On a worker: runs `handler` unless the client left or the server stops, then posts
  // the reply.
  static void Compute(std::shared_ptr<Session> self, const Handler& handler);
  void Refuse(beast::error_code ec);
  void Reply(Response res, bool close);
  void OnWrite(beast::error_code ec, bool close);
  bool ClientLeft();
  void Linger();
  void Close();

  beast::tcp_stream stream_;
  SessionContext& ctx_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Request req_;
  bool keep_alive_ = true;
  http::response<http::string_body> out_;
};

void Session::ReadHeader() {
  req_ = Request{};
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(ctx_.opt.max_header_bytes));
  parser_->body_limit(ctx_.opt.max_body_bytes);
  stream_.expires_after(Ms(ctx_.opt.header_timeout_ms));
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void Session::OnHeader(beast::error_code ec) {
  if (ec) return Refuse(ec);
  const auto& head = parser_->get();
  req_.method = std::string(head.method_string());
  req_.path = std::string(head.target());  // for the log until Dispatch decodes it
  // The parser takes a body as chunked only when chunked is the last coding; any other
  // Transfer-Encoding would leave the body's end to the connection's close (RFC 9112 6.3).
  if (head.count(http::field::transfer_encoding) && !parser_->chunked())
    return Reply(ErrorResponse(400, "Transfer-Encoding must end in chunked", "Transfer-Encoding"),
                 true);
  if (!beast::iequals(head[http::field::expect], "100-continue")) return ReadBody();
  auto go_on = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
  stream_.expires_after(Ms(ctx_.opt.write_timeout_ms));
  http::async_write(stream_, *go_on,
                    [self = shared_from_this(), go_on](beast::error_code wec, size_t) {
                      if (wec) return self->Close();
                      self->ReadBody();
                    });
}

void Session::ReadBody() {
  stream_.expires_after(Ms(ctx_.opt.body_timeout_ms));
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
}

void Session::OnBody(beast::error_code ec) {
  if (ec) return Refuse(ec);
  Dispatch();
}

// A request that cannot be read whole: answered when the fault is the client's framing or
// size, dropped when the client left or missed a deadline.
void Session::Refuse(beast::error_code ec) {
  if (req_.method.empty()) {  // refused within the head: log what of it was parsed
    req_.method = std::string(parser_->get().method_string());
    req_.path = std::string(parser_->get().target());
  }
  if (ec == http::error::body_limit)
    return Reply(ErrorResponse(413, "request body too large: at most " +
                                        std::to_string(ctx_.opt.max_body_bytes) + " bytes"),
                 true);
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
    return Reply(ErrorResponse(431, "request header too large: at most " +
                                        std::to_string(ctx_.opt.max_header_bytes) + " bytes"),
                 true);
  if (IsParseError(ec))
    return Reply(ErrorResponse(400, "malformed request: " + ec.message()), true);
  Close();  // end of stream, reset, deadline passed
}

void Session::Dispatch() {
  auto& msg = parser_->get();
  keep_alive_ = msg.keep_alive();
  if (!ParseTarget(std::string_view(msg.target().data(), msg.target().size()), req_.path,
                   req_.params))
    return Reply(ErrorResponse(400, "the request target must be a path", "path"), true);
  for (const auto& field : msg)
    req_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  req_.body = std::move(msg.body());
  Routes::Routed routed = ctx_.routes.Resolve(req_);
  if (!routed.heavy) {
    Response res;
    routed.handler(req_, res);
    return Reply(std::move(res), !keep_alive_);
  }
  // The worker reads req_ while this session waits: nothing else touches it meanwhile.
  const bool queued =
      ctx_.pool.TryPush([self = shared_from_this(), handler = std::move(routed.handler)]() mutable {
        Compute(std::move(self), handler);
      });
  if (queued) return;
  Response busy = ErrorResponse(503, "server busy: too many requests waiting; retry shortly");
  busy.SetHeader("Retry-After", "1");
  Reply(std::move(busy), !keep_alive_);
}

void Session::Compute(std::shared_ptr<Session> self, const Handler& handler) {
  auto executor = self->stream_.get_executor();
  // Nobody to answer: the server is stopping, or the client gave up while it waited.
  if (self->ctx_.stopping || self->ClientLeft()) {
    asio::post(executor, [self = std::move(self)] { self->Close(); });
    return;
  }
  Response res;
  try {
    handler(self->req_, res);
  } catch (...) {
    res = ErrorResponse(500, "internal error");
  }
  asio::post(executor, [self = std::move(self), res = std::move(res)]() mutable {
    self->Reply(std::move(res), !self->keep_alive_);
  });
}

void Session::Reply(Response res, bool close) {
  out_ = {};
  out_.version(11);
  out_.result(static_cast<unsigned>(res.status));
  for (auto& [name, value] : res.headers) out_.insert(name, value);
  if (!res.content_type.empty()) out_.set(http::field::content_type, res.content_type);
  out_.keep_alive(!close);
  out_.body() = std::move(res.body);
  out_.prepare_payload();
  if (req_.method == "HEAD") {
    const auto length = out_.body().size();
    out_.body().clear();
    out_.content_length(length);
  }
  if (ctx_.opt.log_requests)
    LogLine("serve: " + std::to_string(res.status) + " " + EscapeForLog(req_.method) + " " +
            EscapeForLog(req_.path));
  stream_.expires_after(Ms(ctx_.opt.write_timeout_ms));
  http::async_write(stream_, out_,
                    [self = shared_from_this(), close](beast::error_code ec, size_t) {
                      self->OnWrite(ec, close);
                    });
}

void Session::OnWrite(beast::error_code ec, bool close) {
  if (ec) return Close();
  if (close) return Linger();
  ReadHeader();
}

// Whether the client closed its side: a peek that finds the end of the stream. Called by
// a worker while the session waits for it (no operation pending on the socket).
bool Session::ClientLeft() {
  char c;
  const ssize_t n = ::recv(stream_.socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

// Half-closes, then reads and discards what the client still sends until it closes or
// kLinger passes: closing with unread data would reset the connection and could destroy
// the answer in the client's buffer before it reads it.
void Session::Linger() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(kLinger);
  struct Drain {
    std::shared_ptr<Session> self;
    void operator()(beast::error_code ec = {}, size_t = 0) {
      if (ec) return self->Close();
      self->buffer_.clear();  // discarded: never committed
      self->stream_.async_read_some(self->buffer_.prepare(16384), std::move(*this));
    }
  };
  Drain{shared_from_this()}();
}

void Session::Close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace

void StartSession(tcp::socket socket, SessionContext& ctx) {
  std::make_shared<Session>(std::move(socket), ctx)->ReadHeader();
}

}  // namespace gpuadv::server
