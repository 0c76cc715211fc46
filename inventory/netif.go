package inventory

import (
	"net"

	"tandem/msp"
)

// network lists the interfaces with their addresses in CIDR form. An
// interface is up when it is both administratively up and running (has a
// carrier), as `ip link` shows "state UP".
func (c *collector) network() []msp.NetInterface {
	out := []msp.NetInterface{}
	ifs, err := net.Interfaces()
	if err != nil {
		c.warn("network interfaces unknown: %v", err)
		return out
	}
	for _, ifc := range ifs {
		n := msp.NetInterface{
			Name:      ifc.Name,
			MAC:       ifc.HardwareAddr.String(),
			Up:        ifc.Flags&net.FlagUp != 0 && ifc.Flags&net.FlagRunning != 0,
			Addresses: []string{},
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			c.warn("addresses of %s unknown: %v", ifc.Name, err)
		}
		for _, a := range addrs {
			n.Addresses = append(n.Addresses, a.String())
		}
		out = append(out, n)
	}
	return out
}
