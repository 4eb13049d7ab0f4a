// One DIAG conversation with a device for the `diag` commands: opens the device's DIAG port
// and offers the DIAG, NV and EFS2 clients over it. Closing (or destroying) releases the port.
#pragma once
#include <memory>

#include "protocols/diag/diag_client.hpp"
#include "protocols/diag/efs2_client.hpp"
#include "protocols/diag/nv_client.hpp"
#include "src/device/device.hpp"

namespace cr::workflows {

class DiagSession {
  public:
    // Throws NotFoundError when the device has no DIAG port now (e.g. it is in EDL).
    explicit DiagSession(Device& device, diag::DiagOptions options = {});
    ~DiagSession();
    DiagSession(const DiagSession&) = delete;
    DiagSession& operator=(const DiagSession&) = delete;

    diag::DiagClient& diag() { return *diag_; }
    diag::NvClient& nv() { return *nv_; }
    diag::Efs2Client& efs() { return *efs_; }
    void close();

  private:
    std::unique_ptr<Transport> port_;
    std::unique_ptr<diag::DiagClient> diag_;
    std::unique_ptr<diag::NvClient> nv_;
    std::unique_ptr<diag::Efs2Client> efs_;
};

}  // namespace cr::workflows
