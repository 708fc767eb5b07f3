//go:build !noguides

package content

// knownFeatures lists the values of Manifest.Requires this package
// understands beyond format 1's fields. Building with the tag noguides
// leaves FeatureGuides and FeatureVideo out, giving a player as it was
// before guides, which tests use to check that such a player refuses a
// guide bundle.
var knownFeatures = []string{FeatureSchedule, FeatureGuides, FeatureVideo}
