//go:build noguides

package content

// knownFeatures lists the values of Manifest.Requires a player built
// before guides understood: with the tag noguides it refuses a bundle that
// requires FeatureGuides, as an older player in the field does.
var knownFeatures = []string{FeatureSchedule}
