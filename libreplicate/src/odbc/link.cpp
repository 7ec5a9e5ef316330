#include "link.hpp"

#include <soci/odbc/soci-odbc.h>
#include <soci/soci.h>

#include <atomic>

#include "../text.hpp"
#include "data_plane.hpp"
#include "handles.hpp"
#include "open_path.hpp"

namespace replicate::odbc::detail {

namespace {

std::atomic<bool> direct_for_all{false};
std::atomic<bool> wide_for_all{false};

LinkError link_error(const soci::odbc_soci_error& e) {
    return {reinterpret_cast<const char*>(e.odbc_error_code()), static_cast<long>(e.native_error_code()),
            replicate::detail::single_line(reinterpret_cast<const char*>(e.odbc_error_message()))};
}

class SociLink final : public Link {
public:
    explicit SociLink(const std::string& connection) {
        soci::connection_parameters params(soci::odbc, connection);
        params.set_option(soci::odbc_option_driver_complete, "0");  // SQL_DRIVER_NOPROMPT
        guarded([&] { session_.open(params); });
    }
    SQLHDBC dbc() const override {
        return static_cast<soci::odbc_session_backend*>(session_.get_backend())->hdbc_;
    }
    void begin() override { guarded([&] { session_.begin(); }); }
    void commit() override { guarded([&] { session_.commit(); }); }
    void rollback() override { guarded([&] { session_.rollback(); }); }
    const char* kind() const override { return "SOCI"; }

private:
    template <class F>
    static void guarded(F&& f) {
        try {
            f();
        } catch (const soci::odbc_soci_error& e) {
            throw link_error(e);
        } catch (const soci::soci_error& e) {
            throw LinkError{"", 0, replicate::detail::single_line(e.get_error_message())};
        }
    }
    mutable soci::session session_;
};

LinkError diagnosed(SQLSMALLINT type, SQLHANDLE handle, const std::string& what,
                    bool wide = false) {
    const std::vector<Diagnostic> diags = diagnostics(type, handle, wide);
    if (diags.empty()) return {"", 0, what + ": the driver gave no diagnostics"};
    std::string message;
    for (const Diagnostic& d : diags) {
        if (!message.empty()) message += "; ";
        message += replicate::detail::single_line(d.message);
    }
    return {diags.front().sqlstate, diags.front().native, message};
}

class DirectLink final : public Link {
public:
    DirectLink(const std::string& connection, const std::vector<ConnectAttribute>& before,
               int login_timeout, bool wide)
        : wide_(wide) {
        if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env_))) {
            throw LinkError{"HY001", 0, "cannot allocate an ODBC environment"};
        }
        if (!SQL_SUCCEEDED(SQLSetEnvAttr(env_, SQL_ATTR_ODBC_VERSION,
                                         reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0)) ||
            !SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, env_, &dbc_))) {
            throw diagnosed(SQL_HANDLE_ENV, env_, "cannot allocate an ODBC connection", wide_);
        }
        if (login_timeout > 0) {
            // Some drivers do not take it (HYC00); the caller keeps its own deadline anyway.
            SQLSetConnectAttr(dbc_, SQL_ATTR_LOGIN_TIMEOUT,
                              reinterpret_cast<SQLPOINTER>(static_cast<SQLULEN>(login_timeout)), 0);
        }
        for (const ConnectAttribute& a : before) {
            if (!SQL_SUCCEEDED(SQLSetConnectAttr(dbc_, a.attribute,
                                                 reinterpret_cast<SQLPOINTER>(a.value), 0))) {
                throw diagnosed(SQL_HANDLE_DBC, dbc_,
                                "cannot set connection attribute " + std::to_string(a.attribute),
                                wide_);
            }
        }
        SQLRETURN rc = SQL_ERROR;
        SQLSMALLINT out_length = 0;
        if (wide_) {
            static_assert(sizeof(SQLWCHAR) == sizeof(char16_t), "SQLWCHAR is UTF-16");
            std::u16string text = utf8_to_utf16(connection);
            SQLWCHAR out[1024];
            rc = SQLDriverConnectW(dbc_, nullptr, reinterpret_cast<SQLWCHAR*>(text.data()),
                                   static_cast<SQLSMALLINT>(text.size()), out,
                                   static_cast<SQLSMALLINT>(sizeof out / sizeof out[0]),
                                   &out_length, SQL_DRIVER_NOPROMPT);
        } else {
            SQLCHAR out[1024];
            rc = SQLDriverConnect(dbc_, nullptr,
                                  reinterpret_cast<SQLCHAR*>(const_cast<char*>(connection.c_str())),
                                  SQL_NTS, out, sizeof out, &out_length, SQL_DRIVER_NOPROMPT);
        }
        if (!SQL_SUCCEEDED(rc)) throw diagnosed(SQL_HANDLE_DBC, dbc_, "cannot connect", wide_);
        connected_ = true;
    }
    ~DirectLink() override {
        if (connected_) {
            SQLEndTran(SQL_HANDLE_DBC, dbc_, SQL_ROLLBACK);
            SQLDisconnect(dbc_);
        }
        if (dbc_ != SQL_NULL_HDBC) SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
        if (env_ != SQL_NULL_HENV) SQLFreeHandle(SQL_HANDLE_ENV, env_);
    }
    DirectLink(const DirectLink&) = delete;
    DirectLink& operator=(const DirectLink&) = delete;

    SQLHDBC dbc() const override { return dbc_; }
    void begin() override { autocommit(false, "cannot begin a transaction"); }
    void commit() override { end(SQL_COMMIT, "commit failed"); }
    void rollback() override { end(SQL_ROLLBACK, "rollback failed"); }
    const char* kind() const override { return "direct"; }

private:
    void autocommit(bool on, const char* what) {
        const SQLULEN value = on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF;
        if (!SQL_SUCCEEDED(SQLSetConnectAttr(dbc_, SQL_ATTR_AUTOCOMMIT,
                                             reinterpret_cast<SQLPOINTER>(value), 0))) {
            throw diagnosed(SQL_HANDLE_DBC, dbc_, what, wide_);
        }
    }
    // Ends the transaction, then returns to autocommit, as SOCI does: statements outside
    // begin() commit one by one.
    void end(SQLSMALLINT how, const char* what) {
        if (!SQL_SUCCEEDED(SQLEndTran(SQL_HANDLE_DBC, dbc_, how))) {
            LinkError e = diagnosed(SQL_HANDLE_DBC, dbc_, what, wide_);
            SQLSetConnectAttr(dbc_, SQL_ATTR_AUTOCOMMIT, reinterpret_cast<SQLPOINTER>(SQL_AUTOCOMMIT_ON), 0);
            throw e;
        }
        autocommit(true, what);
    }

    SQLHENV env_ = SQL_NULL_HENV;
    SQLHDBC dbc_ = SQL_NULL_HDBC;
    bool connected_ = false;
    bool wide_ = false;
};

}  // namespace

std::unique_ptr<Link> open_soci_link(const std::string& connection) {
    return std::make_unique<SociLink>(connection);
}

std::unique_ptr<Link> open_direct_link(const std::string& connection,
                                       const std::vector<ConnectAttribute>& before_connect,
                                       int login_timeout_seconds, bool wide) {
    return std::make_unique<DirectLink>(connection, before_connect, login_timeout_seconds, wide);
}

void open_all_connections_directly(bool on) { direct_for_all = on; }
bool all_connections_open_directly() { return direct_for_all; }
void move_all_text_wide(bool on) { wide_for_all = on; }
bool all_text_wide() { return wide_for_all; }

}  // namespace replicate::odbc::detail
