package msp

import "fmt"

// The ITIL priority matrix. Impact is how much of the business is affected;
// urgency is how soon it hurts. Level 1 is high, 3 is low.
//
//	                 urgency high   urgency medium   urgency low
//	impact high         P1             P2               P3
//	impact medium       P2             P3               P4
//	impact low          P3             P4               P4
//
// The classic 3×3 matrix has five priorities; Tandem folds the fifth (low
// impact, low urgency) into P4, so every cell is impact+urgency-1 capped at 4.
var priorityMatrix = [3][3]Priority{
	//             high  medium  low   (urgency)
	/* high   */ {P1, P2, P3},
	/* medium */ {P2, P3, P4},
	/* low    */ {P3, P4, P4},
}

// PriorityFor returns the priority of a ticket with the given impact and
// urgency, from the ITIL matrix above.
func PriorityFor(impact, urgency Level) (Priority, error) {
	if !impact.Valid() {
		return 0, invalid("impact", "must be 1 (high), 2 (medium) or 3 (low), not %d", int(impact))
	}
	if !urgency.Valid() {
		return 0, invalid("urgency", "must be 1 (high), 2 (medium) or 3 (low), not %d", int(urgency))
	}
	return priorityMatrix[impact-1][urgency-1], nil
}

// Valid reports whether l is high, medium or low.
func (l Level) Valid() bool { return l >= LevelHigh && l <= LevelLow }

// String returns "high", "medium" or "low".
func (l Level) String() string {
	switch l {
	case LevelHigh:
		return "high"
	case LevelMedium:
		return "medium"
	case LevelLow:
		return "low"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ImpactLabel says what impact level l means, in words an office worker
// would choose from.
func (l Level) ImpactLabel() string {
	switch l {
	case LevelHigh:
		return "The whole business or many people"
	case LevelMedium:
		return "A team or several people"
	case LevelLow:
		return "Just me"
	}
	return l.String()
}

// UrgencyLabel says what urgency level l means, in words an office worker
// would choose from.
func (l Level) UrgencyLabel() string {
	switch l {
	case LevelHigh:
		return "Work has stopped"
	case LevelMedium:
		return "Work is slowed down"
	case LevelLow:
		return "It can wait"
	}
	return l.String()
}

// Levels returns the three levels from high to low, for pickers.
func Levels() []Level { return []Level{LevelHigh, LevelMedium, LevelLow} }

// Valid reports whether p is P1 to P4.
func (p Priority) Valid() bool { return p >= P1 && p <= P4 }

// String returns the priority's name: "P1 critical", "P2 high", "P3 medium"
// or "P4 low".
func (p Priority) String() string {
	switch p {
	case P1:
		return "P1 critical"
	case P2:
		return "P2 high"
	case P3:
		return "P3 medium"
	case P4:
		return "P4 low"
	}
	return fmt.Sprintf("Priority(%d)", int(p))
}
