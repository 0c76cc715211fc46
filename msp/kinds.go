package msp

// Pillar is one of the seven service pillars an MSP sells.
type Pillar string

const (
	PillarMonitoring     Pillar = "monitoring"
	PillarMicrosoft365   Pillar = "microsoft-365"
	PillarBackup         Pillar = "backup"
	PillarSecurity       Pillar = "security"
	PillarCommunications Pillar = "communications"
	PillarHelpdesk       Pillar = "helpdesk"
	PillarNetwork        Pillar = "network"
)

// Level grades impact and urgency, 1 (high) to 3 (low), as the ITIL matrix does.
type Level int

const (
	LevelHigh   Level = 1
	LevelMedium Level = 2
	LevelLow    Level = 3
)

// Priority is P1 (critical) to P4 (low), derived from impact × urgency.
type Priority int

const (
	P1 Priority = 1
	P2 Priority = 2
	P3 Priority = 3
	P4 Priority = 4
)

// Status is where a ticket stands in its life.
type Status string

const (
	StatusNew      Status = "new"
	StatusOpen     Status = "open"
	StatusProgress Status = "in-progress"
	StatusWaiting  Status = "waiting-on-customer"
	StatusResolved Status = "resolved"
	StatusClosed   Status = "closed"
	StatusReopened Status = "reopened"
)
