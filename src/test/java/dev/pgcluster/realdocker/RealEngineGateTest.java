package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What the real-engine layer does when something it needs is missing: fail, unless skipped on purpose. */
class RealEngineGateTest {
    @Test
    void aMissingPieceFailsWithWhatIsMissingAndTheWaysOut() {
        assertEquals("real-engine tests cannot run: no pulumi CLI on PATH. `sh .ci/run` installs and starts everything"
                        + " they need and runs the whole suite (as root, on a machine you can give it); to run without this"
                        + " layer, say so: mvn -B verify -DrealEngine.skip=true",
                RequiresDocker.Gate.missing("no pulumi CLI on PATH", false).getMessage());
        assertEquals("real-engine tests are required in CI, but no pulumi CLI on PATH",
                RequiresDocker.Gate.missing("no pulumi CLI on PATH", true).getMessage());
    }

    @Test
    void onlyAnExplicitPropertySkipsTheLayerAndNeverInCi() {
        assertTrue(RequiresDocker.Gate.skipped("true", false));
        assertFalse(RequiresDocker.Gate.skipped(null, false), "nothing said: the layer runs or fails");
        assertFalse(RequiresDocker.Gate.skipped("yes", false), "only true");
        assertFalse(RequiresDocker.Gate.skipped("true", true), "CI must run the layer");
    }
}
